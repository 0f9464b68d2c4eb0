package org.infopro.data.image;

import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An ImageInputStream straight over a byte array. ImageIO's own streams copy the data into a cache (a
 * temporary file by default), which costs more than the decoding of a small JPEG.
 */
final class ByteArrayImageInputStream extends ImageInputStreamImpl {
    private final byte[] data;

    ByteArrayImageInputStream(byte[] data) {
        this.data = data;
    }

    @Override
    public int read() {
        bitOffset = 0;
        if (streamPos >= data.length) {
            return -1;
        }
        return data[(int) streamPos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        if (streamPos >= data.length) {
            return -1;
        }
        int k = (int) Math.min(len, data.length - streamPos);
        System.arraycopy(data, (int) streamPos, b, off, k);
        streamPos += k;
        return k;
    }

    @Override
    public long length() {
        return data.length;
    }

    /**
     * Empty on purpose: the superclass's finalizer only closes the stream, which holds nothing here, and an
     * empty override spares every decoded image a trip through the JVM's finalizer queue.
     */
    @Override
    @SuppressWarnings("deprecation")
    protected void finalize() {
    }
}
