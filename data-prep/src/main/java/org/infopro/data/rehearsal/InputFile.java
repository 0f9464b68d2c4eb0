package org.infopro.data.rehearsal;

/** One source file a generator read, as its record ({@code _make-ilsvrc.json}, {@code _make-cityscapes.json}) lists it. */
public record InputFile(String path, long bytes, String sha256) {
}
