package dev.saef.jsse;

import java.security.Provider;
import java.security.Security;
import java.util.List;
import java.util.Map;

/**
 * Keeps a JVM usable when {@code security.provider.1=SAEF} displaced the JDK's {@code SUN} provider.
 *
 * <p>A {@code java.security} override file with the single line {@code security.provider.1=SAEF}
 * replaces the JDK's first provider, {@code SUN}, which supplies SHA digests and the default
 * {@code SecureRandom}: afterwards even {@code new SecureRandom()} fails with an
 * {@code InternalError}. The recommended {@code saef.security} (see README) shifts the JDK's
 * providers down instead. When {@code SUN} is missing anyway, the SAEF provider registers Bouncy
 * Castle's SHA-1/SHA-2 digests and its SP 800-90A DRBG under the standard names and logs a warning
 * once, so that TLS (and the application) keep working.
 */
final class SunProviderFallback {

    private static final System.Logger LOG = System.getLogger("dev.saef");

    private SunProviderFallback() {
    }

    /** @return true when no {@code security.provider.N} entry names the SUN provider */
    static boolean sunProviderMissing() {
        for (int i = 1; i < 100; i++) {
            String entry = Security.getProperty("security.provider." + i);
            if (entry == null) {
                return true;
            }
            String name = entry.trim().split("\\s+")[0];
            if (name.equals("SUN") || name.equals("sun.security.provider.Sun")) {
                return false;
            }
        }
        return true;
    }

    static void registerInto(Provider p, java.util.function.Consumer<Provider.Service> put) {
        String d = "org.bouncycastle.jcajce.provider.digest.";
        put.accept(new Provider.Service(p, "SecureRandom", "DEFAULT",
                "org.bouncycastle.jcajce.provider.drbg.DRBG$Default", List.of("DRBG"), Map.of()));
        put.accept(new Provider.Service(p, "MessageDigest", "SHA-1", d + "SHA1$Digest", List.of("SHA", "SHA1"),
                Map.of()));
        put.accept(new Provider.Service(p, "MessageDigest", "SHA-224", d + "SHA224$Digest", List.of(), Map.of()));
        put.accept(new Provider.Service(p, "MessageDigest", "SHA-256", d + "SHA256$Digest", List.of(), Map.of()));
        put.accept(new Provider.Service(p, "MessageDigest", "SHA-384", d + "SHA384$Digest", List.of(), Map.of()));
        put.accept(new Provider.Service(p, "MessageDigest", "SHA-512", d + "SHA512$Digest", List.of(), Map.of()));
        put.accept(new Provider.Service(p, "MessageDigest", "MD5", d + "MD5$Digest", List.of(), Map.of()));
        LOG.log(System.Logger.Level.WARNING, "security.provider.1=SAEF displaced the JDK's SUN provider; SAEF"
                + " now supplies SHA digests and SecureRandom from Bouncy Castle. Use the saef.security file from"
                + " the SAEF-JSSE README (it keeps SUN as provider 2) to avoid this.");
    }
}
