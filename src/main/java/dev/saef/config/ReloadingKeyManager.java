package dev.saef.config;

import dev.saef.identity.KpsaId;
import dev.saef.keys.Association;
import dev.saef.keys.PskKeyManager;
import dev.saef.keys.ReloadableKeyManager;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.SecretKey;

/**
 * The standard key manager with reload without restart: the association table
 * ({@value SaefProperties#ASSOCIATIONS}) and the key store ({@value SaefProperties#KEY_STORE}) are
 * loaded again, with every check of the first load ({@link SaefProperties}, {@link ConfigFiles},
 * {@link FileModes}), when they change ({@link ReloadMode#WATCH}: file system events and a periodic
 * check, on one watcher thread per JVM) or when asked ({@link #reload()}, or JMX
 * {@code dev.saef:type=Associations} {@code reload()}, see {@link AssociationsMBean}).
 *
 * <h2>Atomic swap</h2>
 * Each load is an immutable {@link SaefConfiguration} (a snapshot) behind one {@code volatile}
 * reference. A handshake pins the current snapshot ({@link #pin()}) for its association choice and
 * its key read, so it sees either the old or the new table and keys, never a mix; it then holds its
 * own copy of the Kpsa (which it wipes) and needs the snapshot no more.
 *
 * <h2>Releasing the old keys</h2>
 * Snapshots are reference-counted: the manager holds one reference to the current snapshot, each
 * pin one more. A swap drops the manager's reference to the old snapshot; when the last pin is
 * released, the count reaches zero, no new pin can be taken (a pin only succeeds on a count above
 * zero), and the snapshot is closed: its inline keys zeroed and its key store provider destroyed
 * ({@link SaefConfiguration#close()}). No grace period is guessed.
 *
 * <h2>An invalid new file</h2>
 * keeps the running snapshot; the cause (with {@code file:line} for table errors, as at start) is
 * logged through {@code System.Logger} {@code dev.saef} (WARNING) and, with {@code saef.debug},
 * on standard error, and is the MBean's {@code LastError} until a load succeeds.
 *
 * <h2>Unknown identities</h2>
 * Each snapshot keeps a bounded cache of the {@code psk_identity} values it did not know
 * ({@link UnknownIdentityCache}, {@value UnknownIdentityCache#DEFAULT_CAPACITY} entries), so that a
 * flood of unknown identities does not reach the key source; a reload starts a new, empty cache.
 *
 * <h2>Sessions</h2>
 * {@link #isCurrent} tells a session whether its association is still the same in the current
 * snapshot: same KpsaID, peer, address and Kpsa, compared through keyed fingerprints
 * ({@link KeyFingerprints}, HMAC-SHA256 under a per-process random key, constant-time compare),
 * never by keeping a copy of an old key. SAEF sessions whose association was removed or changed
 * report {@code isValid() == false}.
 *
 * <p>Thread-safe. {@link #close()} stops watching, unregisters the MBean and releases the current
 * snapshot; a manager that is no longer reachable without having been closed is dropped by the
 * watcher, and a {@link java.lang.ref.Cleaner} unregisters its bean and releases its snapshot.
 */
public final class ReloadingKeyManager implements ReloadableKeyManager, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("dev.saef");
    private static final AtomicLong IDS = new AtomicLong();

    private final Properties props;
    private final ReloadMode mode;
    private final List<Path> files;
    private final String source;
    private final long id = IDS.incrementAndGet();
    private final Object reloadLock = new Object();
    private final AtomicLong reloads = new AtomicLong();
    /** The current snapshot; shared with the cleaner, which releases it if the manager is dropped unclosed. */
    private final Holder holder = new Holder();
    private volatile Generation current;
    private volatile Instant loadedAt;
    private volatile String lastError;
    private volatile boolean closed;
    private Associations mbean;

    private ReloadingKeyManager(Properties props, ReloadMode mode, List<Path> files, SaefConfiguration first) {
        this.props = props;
        this.mode = mode;
        this.files = List.copyOf(files);
        this.source = files.isEmpty() ? "no files" : files.get(0).toString();
        this.current = new Generation(first);
        this.holder.generation = current;
        this.loadedAt = Instant.now();
        CLEANER.register(this, holder);
    }

    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    /**
     * Releases the current snapshot of a manager that became unreachable without {@link #close()}
     * (an {@code SSLContext} dropped by the application), so that its keys are zeroed then too.
     */
    private static final class Holder implements Runnable {
        volatile Generation generation;
        volatile Associations bean;
        private final AtomicBoolean released = new AtomicBoolean();

        @Override
        public void run() {
            if (released.compareAndSet(false, true)) {
                if (bean != null) {
                    bean.unregister();
                }
                generation.release();
            }
        }
    }

    /**
     * Loads the configuration from {@code props} (as {@link SaefProperties#load(Properties)}) and,
     * unless {@value SaefProperties#RELOAD} is {@code off}, registers the JMX bean and (for
     * {@code watch}) starts watching its files.
     *
     * @param props the {@code saef.*} properties; copied, and read again on each reload (a
     *     {@value SaefProperties#KEY_STORE_PASSWORD_FILE} is read again too)
     * @return the manager
     * @throws SaefConfigException when the configuration cannot be loaded
     */
    public static ReloadingKeyManager load(Properties props) throws SaefConfigException {
        Properties copy = new Properties();
        for (String name : props.stringPropertyNames()) {
            if (name.regionMatches(true, 0, "saef.", 0, 5)) {
                copy.setProperty(name, props.getProperty(name));
            }
        }
        ReloadMode mode = SaefProperties.reloadMode(copy);
        List<Path> files = SaefProperties.sourceFiles(copy);
        List<ConfigWatcher.FileState> before = ConfigWatcher.capture(files, null);
        ReloadingKeyManager m = new ReloadingKeyManager(copy, mode, files, SaefProperties.load(copy));
        if (mode != ReloadMode.OFF) {
            m.mbean = Associations.register(m);
            m.holder.bean = m.mbean;
        }
        if (mode == ReloadMode.WATCH && !files.isEmpty()) {
            ConfigWatcher.shared().watch(m, files, before);
        }
        return m;
    }

    /**
     * The key manager the {@code saef.*} properties ask for: a {@link ReloadingKeyManager} unless
     * {@value SaefProperties#RELOAD} is {@code off} or no file is configured, else a
     * {@link SaefKeyManager}.
     *
     * @param props the properties
     * @return the key manager
     * @throws SaefConfigException when the configuration cannot be loaded
     */
    public static PskKeyManager fromProperties(Properties props) throws SaefConfigException {
        if (SaefProperties.reloadMode(props) == ReloadMode.OFF || SaefProperties.sourceFiles(props).isEmpty()) {
            return new SaefKeyManager(SaefProperties.load(props));
        }
        return load(props);
    }

    /**
     * @return the current snapshot's configuration (its settings; its keys are released after the
     *     next swap once no handshake uses them, so look keys up through this manager, not through it)
     */
    public SaefConfiguration configuration() {
        return current.config;
    }

    /** @return the reload mode */
    public ReloadMode mode() {
        return mode;
    }

    /** @return the files watched or reloaded: table, key store, password file (those configured) */
    public List<Path> files() {
        return files;
    }

    /** @return when the current snapshot was loaded */
    public Instant loadedAt() {
        return loadedAt;
    }

    /** @return why the last reload failed (file, line and cause; never key text), or empty after a good one */
    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** @return how many reloads succeeded */
    public long reloadCount() {
        return reloads.get();
    }

    /** @return how many unknown identities the current snapshot remembers (for tests and JMX) */
    int unknownIdentities() {
        return current.unknown.size();
    }

    /** @return the JMX name of this manager's bean, or empty when {@value SaefProperties#RELOAD} is off */
    public Optional<javax.management.ObjectName> objectName() {
        return Optional.ofNullable(mbean).map(Associations::name);
    }

    long id() {
        return id;
    }

    String source() {
        return source;
    }

    /**
     * Loads the files again and, when they are valid, swaps the new snapshot in; otherwise keeps the
     * running one and records the cause ({@link #lastError()}, logged).
     *
     * @return whether the new configuration is now in use
     */
    public boolean reload() {
        synchronized (reloadLock) {
            if (closed) {
                return false;
            }
            SaefConfiguration next;
            try {
                next = SaefProperties.load(props);
            } catch (SaefConfigException e) {
                return failed(e.getMessage());
            } catch (RuntimeException e) {
                // the class only: the text of an unexpected exception might quote what was being parsed
                return failed("loading failed with " + e.getClass().getName());
            }
            Generation old = current;
            current = new Generation(next);
            holder.generation = current;
            loadedAt = Instant.now();
            lastError = null;
            reloads.incrementAndGet();
            old.release();
            String msg = "SAEF reloaded " + source + ": " + next.associations().associations().size() + " associations";
            LOG.log(System.Logger.Level.INFO, msg);
            debug(msg);
            return true;
        }
    }

    private boolean failed(String cause) {
        String msg = "SAEF reload of " + source + " failed, the running configuration stays in use: " + cause;
        boolean repeated = cause.equals(lastError); // the same cause again: logged once
        lastError = cause;
        if (!repeated) {
            LOG.log(System.Logger.Level.WARNING, msg);
        }
        debug(msg);
        return false;
    }

    private static void debug(String message) {
        boolean on;
        try {
            on = SaefProperties.debugEnabled(System.getProperty(SaefProperties.DEBUG));
        } catch (SaefConfigException e) {
            on = false;
        }
        if (on) {
            System.err.println("saef|" + Instant.now() + "|" + Thread.currentThread().getName() + "|" + message);
        }
    }

    @Override
    public Snapshot pin() {
        while (true) {
            Generation g = current;
            if (g.acquire()) {
                return new Pin(g);
            }
            if (closed && g == current) {
                throw new IllegalStateException("the key manager for " + source + " is closed");
            }
            // g was swapped out and released between the read and the acquire: the next read sees its successor
            Thread.onSpinWait();
        }
    }

    @Override
    public boolean isCurrent(Association association, byte[] fingerprint) {
        if (association == null || fingerprint == null) {
            return false;
        }
        try (Snapshot s = pin()) {
            Generation g = ((Pin) s).g;
            Optional<Association> now = g.config.associations().byKpsaId(association.kpsaId());
            if (now.isEmpty()) {
                return false;
            }
            byte[] fp = g.fingerprints.get(association.kpsaId());
            if (fp == null) {
                fp = g.fingerprintByReading(now.get());
            }
            return KeyFingerprints.same(fp, fingerprint);
        }
    }

    @Override
    public Optional<Association> chooseClientAssociation(String peerHost, int peerPort) {
        try (Snapshot s = pin()) {
            return s.chooseClientAssociation(peerHost, peerPort);
        }
    }

    @Override
    public Optional<Association> chooseServerAssociation(byte[] pskIdentity) {
        try (Snapshot s = pin()) {
            return s.chooseServerAssociation(pskIdentity);
        }
    }

    @Override
    public SecretKey getKey(Association association) throws GeneralSecurityException {
        try (Snapshot s = pin()) {
            return s.getKey(association);
        }
    }

    /** @return whether the current snapshot's key providers may block */
    @Override
    public boolean lookupsMayBlock() {
        return current.keys.lookupsMayBlock();
    }

    @Override
    public String describe() {
        return "association table " + current.config.associations().sourceName() + " (reload " + mode.name()
                .toLowerCase(java.util.Locale.ROOT) + ")";
    }

    /** Stops watching, unregisters the JMX bean and releases the current snapshot's keys once unpinned. */
    @Override
    public void close() {
        synchronized (reloadLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        ConfigWatcher.shared().unwatch(this);
        holder.run(); // unregisters the bean and releases the current snapshot, once
    }

    @Override
    public String toString() {
        return "ReloadingKeyManager[" + describe() + "]";
    }

    /** One loaded configuration with its reference count and the fingerprints seen so far. */
    private static final class Generation {
        final SaefConfiguration config;
        final SaefKeyManager keys;
        /** The manager's reference plus one per pin; 0 = released (its keys zeroed). */
        final AtomicInteger refs = new AtomicInteger(1);
        /** 32 octets per association whose key was read: no key material. */
        final ConcurrentHashMap<KpsaId, byte[]> fingerprints = new ConcurrentHashMap<>();
        /** Identities this snapshot did not know: a new snapshot starts with an empty cache. */
        final UnknownIdentityCache unknown = new UnknownIdentityCache(UnknownIdentityCache.DEFAULT_CAPACITY);

        Generation(SaefConfiguration config) {
            this.config = config;
            this.keys = new SaefKeyManager(config);
        }

        boolean acquire() {
            while (true) {
                int n = refs.get();
                if (n <= 0) {
                    return false;
                }
                if (refs.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (refs.decrementAndGet() == 0) {
                config.close();
            }
        }

        /** Called while pinned. */
        byte[] fingerprintByReading(Association a) {
            SecretKey k;
            try {
                k = keys.getKey(a);
            } catch (GeneralSecurityException | RuntimeException e) {
                return null;
            }
            return remember(a, k);
        }

        byte[] remember(Association a, SecretKey k) {
            if (k == null) {
                return null;
            }
            byte[] enc = k.getEncoded();
            if (enc == null) {
                return null;
            }
            try {
                byte[] fp = KeyFingerprints.of(a, enc);
                byte[] prev = fingerprints.putIfAbsent(a.kpsaId(), fp);
                return prev != null ? prev : fp;
            } finally {
                Arrays.fill(enc, (byte) 0);
            }
        }
    }

    /** A pinned generation. */
    private static final class Pin implements Snapshot {
        final Generation g;
        private final AtomicBoolean open = new AtomicBoolean(true);

        Pin(Generation g) {
            this.g = g;
        }

        @Override
        public Optional<Association> chooseClientAssociation(String peerHost, int peerPort) {
            return g.keys.chooseClientAssociation(peerHost, peerPort);
        }

        @Override
        public Optional<Association> chooseServerAssociation(byte[] pskIdentity) {
            if (g.unknown.isUnknown(pskIdentity)) {
                return Optional.empty(); // a flood of unknown identities stays here
            }
            Optional<Association> a = g.keys.chooseServerAssociation(pskIdentity);
            if (a.isEmpty()) {
                g.unknown.remember(pskIdentity);
            }
            return a;
        }

        @Override
        public SecretKey getKey(Association association) throws GeneralSecurityException {
            SecretKey k = g.keys.getKey(association);
            if (k == null) {
                g.unknown.remember(association.kpsaId().toWire()); // in the table, but no key
            }
            if (k != null && !g.fingerprints.containsKey(association.kpsaId())) {
                g.remember(association, k); // from the octets read anyway: no second key read
            }
            return k;
        }

        @Override
        public Optional<byte[]> fingerprint(Association association) {
            byte[] fp = g.fingerprints.get(association.kpsaId());
            return fp == null ? Optional.empty() : Optional.of(fp.clone());
        }

        @Override
        public boolean lookupsMayBlock() {
            return g.keys.lookupsMayBlock();
        }

        @Override
        public String describe() {
            return g.keys.describe();
        }

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                g.release();
            }
        }
    }
}
