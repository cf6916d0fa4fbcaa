package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import javax.net.SocketFactory;
import org.junit.jupiter.api.Test;

/** A socket the factory could not connect is closed before the exception reaches the caller. */
class SocketFactoryFailureTest {

    private static long openDescriptors() {
        return ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getOpenFileDescriptorCount();
    }

    @Test
    void failedConnectsLeakNoDescriptors() throws Exception {
        SocketFactory f = Peers.context(Peers.clientTable("ae1@sp.example.com", "127.0.0.1", Peers.KEY_HEX))
                .getSocketFactory();
        int refusedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            refusedPort = s.getLocalPort(); // closed again below: connecting to it is refused
        }
        long before = openDescriptors();
        for (int i = 0; i < 150; i++) { // without the fix about one descriptor per unknown host leaks until a GC
            assertThrows(UnknownHostException.class, () -> f.createSocket("no-such-host.invalid", 443));
            assertThrows(ConnectException.class, () -> f.createSocket("127.0.0.1", refusedPort));
            assertThrows(IOException.class, () -> f.createSocket(InetAddress.getLoopbackAddress(), refusedPort,
                    InetAddress.getLoopbackAddress(), 0));
        }
        long after = openDescriptors();
        // a leak costs one descriptor per failed connect (150+); the margin absorbs other threads' files
        assertTrue(after - before < 50, "descriptors grew from " + before + " to " + after);
    }
}
