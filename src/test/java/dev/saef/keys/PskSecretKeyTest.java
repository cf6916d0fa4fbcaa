package dev.saef.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class PskSecretKeyTest {

    @Test
    void copiesInAndOut() {
        byte[] octets = {1, 2, 3};
        PskSecretKey key = new PskSecretKey(octets);
        octets[0] = 0;
        byte[] out = key.getEncoded();
        assertArrayEquals(new byte[] {1, 2, 3}, out);
        out[1] = 0;
        assertArrayEquals(new byte[] {1, 2, 3}, key.getEncoded());
        assertEquals("TlsPsk", key.getAlgorithm());
        assertEquals("RAW", key.getFormat());
        assertEquals(3, key.length());
    }

    @Test
    void destroyWipesTheKey() {
        PskSecretKey key = new PskSecretKey(new byte[] {1, 2, 3}, "HmacSHA256");
        assertFalse(key.isDestroyed());
        key.destroy();
        assertTrue(key.isDestroyed());
        assertEquals("this PSK has been destroyed",
                assertThrows(IllegalStateException.class, key::getEncoded).getMessage());
        assertEquals("PskSecretKey[HmacSHA256, destroyed]", key.toString());
    }

    @Test
    void toStringShowsNoKeyMaterial() {
        assertEquals("PskSecretKey[TlsPsk]", new PskSecretKey(new byte[] {0x41, 0x42}).toString());
    }

    @Test
    void emptyKeysAreRefused() {
        assertEquals("a PSK must have at least one octet",
                assertThrows(IllegalArgumentException.class, () -> new PskSecretKey(new byte[0])).getMessage());
    }

    @Test
    void isNotSerializable() throws Exception {
        try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
            assertThrows(NotSerializableException.class, () -> out.writeObject(new PskSecretKey(new byte[] {1})));
        }
    }
}
