package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The recorder's row format and order (nothing is written to {@code target/conformance/}). */
class InteropMatrixTest {

    private static final String PEER = "SelfTest";

    @Test
    void rowsFollowProfileOrderThenRoleAndAreCleaned() {
        List<CipherSuiteInfo> all = SuiteProfile.all();
        String last = all.get(all.size() - 1).name();
        String first = all.get(0).name();
        InteropMatrix.record(PEER, "1.0", last, InteropMatrix.SAEF_SERVER, InteropMatrix.SKIPPED, "why\tnot\nhere");
        InteropMatrix.record(PEER, "1.0", last, InteropMatrix.SAEF_CLIENT, InteropMatrix.PEER_BUG, "crash");
        InteropMatrix.record(PEER, "1.0", first, InteropMatrix.SAEF_SERVER, InteropMatrix.FAIL, null);
        InteropMatrix.record(PEER, "1.0", first, InteropMatrix.SAEF_CLIENT, InteropMatrix.PASS, "");
        InteropMatrix.record(PEER, "1.0", first, InteropMatrix.SAEF_SERVER, InteropMatrix.PASS, ""); // replaces FAIL

        List<String> lines = InteropMatrix.rows(PEER).stream().map(InteropMatrix.Row::line).toList();
        assertEquals(List.of(
                PEER + "\t1.0\t" + first + "\tSAEF client\tpass\t",
                PEER + "\t1.0\t" + first + "\tSAEF server\tpass\t",
                PEER + "\t1.0\t" + last + "\tSAEF client\tpeer-bug\tcrash",
                PEER + "\t1.0\t" + last + "\tSAEF server\tskipped\twhy not here"), lines);
        assertTrue(InteropMatrix.has(PEER, last, InteropMatrix.SAEF_CLIENT));
        assertFalse(InteropMatrix.has(PEER, all.get(1).name(), InteropMatrix.SAEF_CLIENT));
    }

    @Test
    void onlyKnownRolesAndResults() {
        String suite = SuiteProfile.TLS_MANDATORY;
        assertThrows(IllegalArgumentException.class,
                () -> InteropMatrix.record(PEER, "1", suite, "client", InteropMatrix.PASS, ""));
        assertThrows(IllegalArgumentException.class,
                () -> InteropMatrix.record(PEER, "1", suite, InteropMatrix.SAEF_CLIENT, "ok", ""));
    }

    @Test
    void fileIsPerPeerUnderTargetConformanceInterop() {
        Path f = InteropMatrix.file("GnuTLS");
        assertEquals("gnutls.tsv", f.getFileName().toString());
        assertTrue(f.toAbsolutePath().normalize().toString()
                .endsWith(Path.of("target", "conformance", "interop", "gnutls.tsv").toString()), f.toString());
    }
}
