package dev.saef.protocol;

/**
 * What a TLS record header (RFC 5246 section 6.2.1: type, version, length; 5 bytes) says before the
 * record is read, or how large the record for some plaintext will be: the whole record's size and
 * the most plaintext it can yield. Lets a transport size its buffers ({@code BUFFER_UNDERFLOW} /
 * {@code BUFFER_OVERFLOW} in an {@code SSLEngine}) without knowing the TLS library underneath.
 *
 * @param recordSize the size of the whole record, header included
 * @param contentLimit the most plaintext bytes the record can yield
 */
public record RecordHeaderPreview(int recordSize, int contentLimit) {

    /** The size of a TLS record header. */
    public static final int HEADER_LENGTH = 5;

    /** The {@code ContentType} of application data (RFC 5246 section 6.2.1). */
    private static final int APPLICATION_DATA = 23;

    /** @return whether the record header {@code header} (at least its first byte) announces application data */
    public static boolean isApplicationData(byte[] header) {
        return (header[0] & 0xFF) == APPLICATION_DATA;
    }
}
