package dev.saef.jsse;

import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Puts the JDK's {@code SUN} provider back when {@code security.provider.1=SAEF} displaced it, so that
 * the one-line {@code java.security} override works exactly like the full {@code saef.security}
 * (SAEF first, then SUN and the rest of the JDK's list).
 *
 * <p><b>Why it is needed.</b> An override file line {@code security.provider.1=SAEF} replaces the JDK's
 * entry 1, {@code SUN}: SHA digests, the default {@code SecureRandom}, {@code X.509}
 * {@code CertificateFactory}, PKIX, JKS/PKCS12 key stores. Without it the JDK's TLS cannot start ("SunJSSE
 * is not available") and a delegating server gives certificate clients nothing.
 *
 * <p><b>How SUN is obtained.</b> Unlike the JDK's other providers, SUN (like SunRsaSign, SunJCE and
 * SunJSSE) lives in {@code java.base}, which does not offer it through {@code ServiceLoader}, and its
 * class is not exported. The one public door is {@link SecureRandom}'s documented fallback: when no
 * installed provider offers a {@code SecureRandom}, {@code new SecureRandom()} returns an
 * implementation-specific default, which in OpenJDK is SUN's {@code SHA1PRNG} and whose
 * {@code getProvider()} is a new {@code sun.security.provider.Sun}. Building it looks up a {@code SHA}
 * digest; while the door is open (this thread only) SAEF answers that lookup with Bouncy Castle's SHA-1.
 * That generator is never seeded or used: only its provider is kept. If the door yields anything else
 * (another provider offers a {@code SecureRandom}: e.g. SunMSCAPI on Windows, or Bouncy Castle listed in
 * the override file), nothing is restored and an error says to use the full {@code saef.security}.
 *
 * <p><b>When.</b> {@code Security.insertProviderAt} reloads every configured provider and drops those that
 * fail to load; called while a provider is being loaded (SAEF's own constructor, or a lookup made from
 * another provider's constructor) it would drop that provider. So SUN is inserted, right after SAEF, at the
 * first JCA lookup that reaches SAEF outside provider loading (checked on the call stack: no frame of the
 * JDK's {@code sun.security.jca.ProviderConfig}). Until then, and for a lookup already walking the
 * provider list that existed before the insertion, SAEF answers each lookup it has no service for with
 * SUN's service (whose provider is SUN), which is what the list SAEF, SUN, ... gives anyway.
 *
 * <p><b>The default {@code SecureRandom}.</b> {@code new SecureRandom()} asks each provider for its first
 * {@code SecureRandom} without a lookup by name. So while SUN is displaced SAEF registers one placeholder
 * {@code SecureRandom} service ({@value #PLACEHOLDER}); asking for it restores SUN, removes the placeholder
 * and answers with SUN's default service, so even a first {@code new SecureRandom()} gets what the full file
 * gives (e.g. {@code NativePRNG}), not the fallback {@code SHA1PRNG}.
 *
 * <p>State is JVM-wide (one JCA provider list); thread-safe.
 */
final class JdkProviderRestorer {

    /** Name of the placeholder {@code SecureRandom} service registered while SUN is displaced. */
    static final String PLACEHOLDER = "SAEF-RestoresJdkDefault";

    private static final System.Logger LOG = System.getLogger("dev.saef");
    private static final String SUN = "SUN";

    /** SUN, once the door gave it; null before (or when it cannot be had: {@link #unavailable}). */
    private static volatile Provider sun;
    private static volatile boolean unavailable;
    /** Set once restoring was tried outside provider loading (whatever the outcome). */
    private static volatile boolean restored;
    /** Set when SAEF inserted SUN into the provider list. */
    private static volatile boolean inserted;
    private static final AtomicBoolean RESTORING = new AtomicBoolean();
    /** True on a thread that is opening the door, or computing SUN's default SecureRandom. */
    private static final ThreadLocal<Boolean> BUSY = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private JdkProviderRestorer() {
    }

    /**
     * @return true when the configured provider list ({@code security.provider.N}) names SAEF and not
     *     SUN, i.e. SAEF took SUN's place
     */
    static boolean sunDisplaced() {
        boolean saef = false;
        for (int i = 1; i < 1000; i++) {
            String entry = Security.getProperty("security.provider." + i);
            if (entry == null) {
                break;
            }
            String[] words = entry.trim().split("\\s+");
            String name = words.length == 0 ? "" : words[0];
            if (name.equals(SUN) || name.equals("sun.security.provider.Sun")) {
                return false;
            }
            saef |= name.equals(SaefProvider.NAME) || name.equals(SaefProvider.class.getName());
        }
        return saef;
    }

    /** @return the placeholder service to register in {@code saef} while SUN is displaced */
    static Provider.Service placeholder(Provider saef) {
        // never instantiated: lookups of it are answered by service(...)
        return new Provider.Service(saef, "SecureRandom", PLACEHOLDER, SecureRandom.class.getName(), List.of(), null);
    }

    /**
     * @param saef the SAEF provider
     * @return the Bouncy Castle SHA-1 service SAEF answers with while the door is open; not registered
     *     (the JCA checks that {@code saef.getService} returns this very object)
     */
    static Provider.Service doorSha1(Provider saef) {
        return new Provider.Service(saef, "MessageDigest", "SHA-1", "org.bouncycastle.jcajce.provider.digest.SHA1$Digest",
                List.of("SHA", "SHA1"), null);
    }

    /**
     * The service SAEF should answer for a lookup it has no service of its own for.
     *
     * @param doorSha1 SAEF's {@link #doorSha1} service
     * @param type the service type
     * @param algorithm the algorithm (or alias) asked for
     * @param removePlaceholder removes the placeholder from {@code saef}
     * @return SUN's service, Bouncy Castle's SHA-1 while the door is open, or null
     */
    static Provider.Service service(Provider.Service doorSha1, String type, String algorithm,
            Runnable removePlaceholder) {
        if (BUSY.get()) {
            return isSha1(type, algorithm) ? doorSha1 : null;
        }
        Provider s = sun();
        if (s == null) {
            return null;
        }
        restoreIfSafe(removePlaceholder);
        if ("SecureRandom".equalsIgnoreCase(type) && PLACEHOLDER.equalsIgnoreCase(algorithm)) {
            return restored ? sunDefaultSecureRandom(s) : null;
        }
        if (restored) {
            Provider listed = Security.getProvider(SUN);
            if (listed != null ? listed != s : inserted) {
                return null; // SUN is in the list (it answers), or the application removed it again after SAEF put it back
            }
        }
        return s.getService(type, algorithm);
    }

    /** Inserts SUN when this thread is not inside provider loading; see the class comment. */
    static void restoreIfSafe(Runnable removePlaceholder) {
        if (restored || BUSY.get() || insideProviderLoading() || !RESTORING.compareAndSet(false, true)) {
            return;
        }
        try {
            Provider s = sun();
            if (s == null) {
                return;
            }
            Provider[] installed = Security.getProviders(); // loads the list outside Security's lock
            int saefIndex = -1;
            for (int i = 0; i < installed.length; i++) {
                if (installed[i].getName().equals(SaefProvider.NAME) && saefIndex < 0) {
                    saefIndex = i;
                }
            }
            if (Security.getProvider(SUN) == null && saefIndex >= 0) {
                int position = Security.insertProviderAt(s, saefIndex + 2);
                inserted = position > 0;
                LOG.log(System.Logger.Level.INFO, "security.provider." + (saefIndex + 1) + "=SAEF displaced the JDK's"
                        + " SUN provider; SAEF registered it again as provider " + position + ", as the full"
                        + " saef.security file does");
            }
            restored = true;
            removePlaceholder.run();
        } catch (RuntimeException e) {
            restored = true; // e.g. a SecurityException: keep answering lookups with SUN's services
            removePlaceholder.run();
            LOG.log(System.Logger.Level.ERROR, "SAEF could not register the JDK's SUN provider again (" + e + "); use"
                    + " the saef.security file from the SAEF-JSSE README, which keeps SUN as provider 2");
        } finally {
            RESTORING.set(false);
        }
    }

    /** SUN's default SecureRandom service: what {@code new SecureRandom()} picks with SUN in the list. */
    private static Provider.Service sunDefaultSecureRandom(Provider s) {
        BUSY.set(Boolean.TRUE);
        try {
            String algorithm = new SecureRandom().getAlgorithm();
            Provider.Service service = s.getService("SecureRandom", algorithm);
            return service != null ? service : s.getService("SecureRandom", "DRBG");
        } finally {
            BUSY.remove();
        }
    }

    /** SUN, through the door in the class comment; null when it cannot be had (logged once). */
    private static Provider sun() {
        Provider s = sun;
        if (s != null || unavailable) {
            return s;
        }
        BUSY.set(Boolean.TRUE);
        Provider found = null;
        try {
            found = new SecureRandom().getProvider();
        } catch (RuntimeException | Error e) { // an InternalError when no SHA digest could be had
            LOG.log(System.Logger.Level.DEBUG, "opening the SecureRandom door failed: " + e);
        } finally {
            BUSY.remove();
        }
        if (found != null && SUN.equals(found.getName()) && found.getClass().getName().equals("sun.security.provider.Sun")) {
            synchronized (JdkProviderRestorer.class) {
                if (sun == null) {
                    sun = found;
                }
                return sun;
            }
        }
        if (!unavailable) {
            unavailable = true;
            LOG.log(System.Logger.Level.ERROR, "security.provider.1=SAEF displaced the JDK's SUN provider and SAEF"
                    + " cannot register it again (another provider, " + (found == null ? "none" : found.getName())
                    + ", answers for SecureRandom); use the saef.security file from the SAEF-JSSE README, which keeps"
                    + " SUN as provider 2");
        }
        return null;
    }

    private static boolean isSha1(String type, String algorithm) {
        return "MessageDigest".equalsIgnoreCase(type) && (algorithm.equalsIgnoreCase("SHA")
                || algorithm.equalsIgnoreCase("SHA-1") || algorithm.equalsIgnoreCase("SHA1"));
    }

    private static boolean insideProviderLoading() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(
                f -> f.getClassName().startsWith("sun.security.jca.ProviderConfig")));
    }
}
