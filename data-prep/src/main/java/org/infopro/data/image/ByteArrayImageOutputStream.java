package org.infopro.data.image;

import javax.imageio.stream.ImageOutputStreamImpl;
import java.util.Arrays;

/**
 * A seekable ImageOutputStream into a growing byte array (the PNG writer seeks back to patch chunk lengths),
 * without ImageIO's cache layer.
 */
final class ByteArrayImageOutputStream extends ImageOutputStreamImpl {
    private byte[] buf;
    private int count;

    ByteArrayImageOutputStream(int initialCapacity) {
        buf = new byte[Math.max(initialCapacity, 256)];
    }

    @Override
    public void write(int b) {
        flushBitsQuietly();
        ensure(streamPos + 1);
        buf[(int) streamPos++] = (byte) b;
        count = (int) Math.max(count, streamPos);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        flushBitsQuietly();
        ensure(streamPos + len);
        System.arraycopy(b, off, buf, (int) streamPos, len);
        streamPos += len;
        count = (int) Math.max(count, streamPos);
    }

    @Override
    public int read() {
        bitOffset = 0;
        return streamPos >= count ? -1 : buf[(int) streamPos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        if (streamPos >= count) {
            return -1;
        }
        int k = (int) Math.min(len, count - streamPos);
        System.arraycopy(buf, (int) streamPos, b, off, k);
        streamPos += k;
        return k;
    }

    @Override
    public long length() {
        return count;
    }

    /**
     * Empty on purpose: the superclass's finalizer only closes the stream, which holds nothing here, and an
     * empty override spares every decoded image a trip through the JVM's finalizer queue.
     */
    @Override
    @SuppressWarnings("deprecation")
    protected void finalize() {
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, count);
    }

    private void flushBitsQuietly() {
        try {
            flushBits();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void ensure(long size) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("encoded image larger than 2 GB");
        }
        if (size > buf.length) {
            buf = Arrays.copyOf(buf, (int) Math.max(size, Math.min((long) buf.length * 2, Integer.MAX_VALUE - 8)));
        }
    }
}
