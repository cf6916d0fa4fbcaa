package dev.saef.config;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Watches the configuration files of every {@link ReloadingKeyManager} in {@link ReloadMode#WATCH}
 * and asks it to reload when one changes. One daemon thread per JVM ({@code saef-config-watcher}),
 * started with the first manager and ended when none is left, whatever the number of
 * {@code SSLContext}s.
 *
 * <p>Two detectors, because a {@link WatchService} can miss events (an overflow, a file system that
 * does not report them, a replaced directory): file system events on each file's parent directory
 * (so that editors that write a new file and rename it over the old one are seen), and a check
 * every {@value #POLL_MILLIS} ms of each file's modification time, size and file key (inode). A file
 * whose modification time is within {@value #RACY_MILLIS} ms of the check ("racy", as git calls it:
 * a second change in the same clock tick would keep time and size) is compared by SHA-256 of its
 * contents as well, until it is older. A change is debounced: the files must stay unchanged for
 * {@value #DEBOUNCE_MILLIS} ms (an editor writing in several steps gives one reload).
 *
 * <p>Managers are held weakly: a manager no longer reachable (its {@code SSLContext} is gone) is
 * dropped and its JMX bean unregistered. Reloads run on this thread, never on a handshake's.
 */
final class ConfigWatcher {

    /** The watcher's tick: how often it wakes without events, and the debounce's resolution. */
    static final long TICK_MILLIS = 50;
    /** How often the modification time, size and inode of each file are checked. */
    static final long POLL_MILLIS = 500;
    /** How long the files must stay unchanged before a reload. */
    static final long DEBOUNCE_MILLIS = 200;
    /** Files modified this recently are also compared by content hash. */
    static final long RACY_MILLIS = 3000;

    private static final System.Logger LOG = System.getLogger("dev.saef");
    private static final ConfigWatcher SHARED = new ConfigWatcher();

    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final List<Entry> entries = new ArrayList<>();
    /** Guarded by {@link #lock}. */
    private final Map<Path, WatchKey> dirs = new HashMap<>();
    /** Guarded by {@link #lock}. */
    private WatchService service;
    /** Guarded by {@link #lock}. */
    private Thread thread;

    private ConfigWatcher() {
    }

    static ConfigWatcher shared() {
        return SHARED;
    }

    /**
     * @param m the manager
     * @param files its files
     * @param before their state captured before the manager loaded them (a change during the load is
     *     then seen on the first check)
     */
    void watch(ReloadingKeyManager m, List<Path> files, List<FileState> before) {
        Entry e = new Entry(m, files, before);
        synchronized (lock) {
            if (service == null) {
                try {
                    service = FileSystems.getDefault().newWatchService();
                } catch (IOException | UnsupportedOperationException x) {
                    LOG.log(System.Logger.Level.DEBUG, "SAEF: no file system events (" + x + "); checking every "
                            + POLL_MILLIS + " ms");
                }
            }
            for (Path d : e.dirs) {
                register(d);
            }
            entries.add(e);
            if (thread == null) {
                thread = new Thread(this::run, "saef-config-watcher");
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    void unwatch(ReloadingKeyManager m) {
        synchronized (lock) {
            entries.removeIf(e -> e.manager.get() == m);
            cancelUnused();
        }
    }

    /** @return whether the watcher thread runs (for tests) */
    boolean running() {
        synchronized (lock) {
            return thread != null;
        }
    }

    private void register(Path dir) {
        if (service == null || dirs.containsKey(dir)) {
            return;
        }
        try {
            dirs.put(dir, dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE));
        } catch (IOException | RuntimeException x) {
            // a missing directory, or no events here: the periodic check still sees changes
        }
    }

    private void cancelUnused() {
        Set<Path> used = new HashSet<>();
        for (Entry e : entries) {
            used.addAll(e.dirs);
        }
        dirs.entrySet().removeIf(d -> {
            if (!used.contains(d.getKey())) {
                d.getValue().cancel();
                return true;
            }
            return false;
        });
    }

    private void run() {
        long lastPoll = System.nanoTime();
        while (true) {
            WatchService w;
            List<Entry> now;
            synchronized (lock) {
                if (entries.isEmpty()) {
                    closeService();
                    thread = null;
                    return;
                }
                w = service;
                now = new ArrayList<>(entries);
            }
            Set<Path> touched = new HashSet<>();
            boolean overflow = false;
            try {
                WatchKey k = w == null ? sleep() : w.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
                while (k != null) {
                    Path dir = (Path) k.watchable();
                    for (WatchEvent<?> ev : k.pollEvents()) {
                        if (ev.kind() == StandardWatchEventKinds.OVERFLOW) {
                            overflow = true;
                        } else if (ev.context() instanceof Path p) {
                            touched.add(dir.resolve(p));
                        }
                    }
                    k.reset();
                    k = w.poll();
                }
            } catch (InterruptedException | ClosedWatchServiceException x) {
                // woken up: check below
            }
            long t = System.nanoTime();
            boolean poll = t - lastPoll >= TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS);
            if (poll) {
                lastPoll = t;
            }
            for (Entry e : now) {
                ReloadingKeyManager m = e.manager.get();
                if (m == null) {
                    synchronized (lock) {
                        entries.remove(e);
                        cancelUnused();
                    }
                    e.unregisterBean();
                    continue;
                }
                try {
                    e.check(m, t, poll, overflow || e.touchedBy(touched));
                } catch (RuntimeException x) {
                    LOG.log(System.Logger.Level.WARNING, "SAEF: watching " + e.files + " failed: " + x);
                }
            }
        }
    }

    private static WatchKey sleep() throws InterruptedException {
        Thread.sleep(TICK_MILLIS);
        return null;
    }

    private void closeService() {
        if (service != null) {
            try {
                service.close();
            } catch (IOException x) {
                // nothing to do
            }
            service = null;
            dirs.clear();
        }
    }

    /** One watched manager. */
    private static final class Entry {
        final WeakReference<ReloadingKeyManager> manager;
        final javax.management.ObjectName bean;
        final List<Path> files;
        final Set<Path> absolute = new HashSet<>();
        final Set<Path> dirs = new HashSet<>();
        /** The state the running configuration was loaded from (captured before loading). */
        List<FileState> loaded;
        /** A change seen and waiting for the files to settle. */
        boolean pending;
        List<FileState> seen;
        long since;

        Entry(ReloadingKeyManager m, List<Path> files, List<FileState> before) {
            this.manager = new WeakReference<>(m);
            this.bean = m.objectName().orElse(null);
            this.files = List.copyOf(files);
            for (Path f : files) {
                Path a = f.toAbsolutePath().normalize();
                absolute.add(a);
                if (a.getParent() != null) {
                    dirs.add(a.getParent());
                }
            }
            this.loaded = before;
        }

        boolean touchedBy(Set<Path> touched) {
            for (Path p : touched) {
                if (absolute.contains(p.toAbsolutePath().normalize())) {
                    return true;
                }
            }
            return false;
        }

        void check(ReloadingKeyManager m, long now, boolean poll, boolean event) {
            if (!pending && !poll && !event) {
                return;
            }
            List<FileState> cur = capture(files, loaded);
            if (!pending) {
                if (event || !FileState.same(loaded, cur)) {
                    pending = true;
                    seen = cur;
                    since = now;
                } else {
                    loaded = FileState.settled(cur); // stop hashing files that are no longer racy
                }
                return;
            }
            if (event || !FileState.same(seen, cur)) {
                seen = cur; // still changing: wait for it to settle
                since = now;
            } else if (now - since >= TimeUnit.MILLISECONDS.toNanos(DEBOUNCE_MILLIS)) {
                pending = false;
                loaded = cur;
                m.reload();
            }
        }

        void unregisterBean() {
            if (bean != null) {
                try {
                    java.lang.management.ManagementFactory.getPlatformMBeanServer().unregisterMBean(bean);
                } catch (javax.management.JMException x) {
                    // already gone
                }
            }
        }
    }

    /**
     * @param files the files
     * @param previous their earlier states, or null: a file hashed before is hashed again
     * @return their states now
     */
    static List<FileState> capture(List<Path> files, List<FileState> previous) {
        List<FileState> out = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            boolean hashedBefore = previous != null && i < previous.size() && previous.get(i).hash != null;
            out.add(FileState.of(files.get(i), hashedBefore));
        }
        return out;
    }

    /** Modification time, size, inode, and for racy files a content hash; never the contents. */
    static final class FileState {
        final boolean exists;
        final long modified;
        final long size;
        final Object fileKey;
        final byte[] hash;
        final boolean racy;

        private FileState(boolean exists, long modified, long size, Object fileKey, byte[] hash, boolean racy) {
            this.exists = exists;
            this.modified = modified;
            this.size = size;
            this.fileKey = fileKey;
            this.hash = hash;
            this.racy = racy;
        }

        static FileState of(Path f, boolean forceHash) {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(f, BasicFileAttributes.class);
            } catch (IOException | RuntimeException x) {
                return new FileState(false, 0, 0, null, null, false);
            }
            long modified = a.lastModifiedTime().toMillis();
            boolean racy = modified >= System.currentTimeMillis() - RACY_MILLIS;
            byte[] hash = null;
            if ((racy || forceHash) && a.isRegularFile() && a.size() <= ConfigFiles.TABLE_LIMIT) {
                hash = hash(f);
            }
            return new FileState(true, modified, a.size(), a.fileKey(), hash, racy);
        }

        private static byte[] hash(Path f) {
            byte[] contents = null;
            try {
                contents = Files.readAllBytes(f);
                return MessageDigest.getInstance("SHA-256").digest(contents);
            } catch (IOException | NoSuchAlgorithmException | RuntimeException x) {
                return null;
            } finally {
                if (contents != null) {
                    Arrays.fill(contents, (byte) 0); // a key store or a table with inline keys
                }
            }
        }

        static boolean same(List<FileState> x, List<FileState> y) {
            if (x == null || y == null || x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                FileState a = x.get(i);
                FileState b = y.get(i);
                if (a.exists != b.exists || a.modified != b.modified || a.size != b.size
                        || !Objects.equals(a.fileKey, b.fileKey)) {
                    return false;
                }
                if (a.hash != null && b.hash != null && !MessageDigest.isEqual(a.hash, b.hash)) {
                    return false;
                }
                if (a.hash != null && b.hash == null && b.exists) {
                    return false; // cannot tell: reload rather than miss a change
                }
            }
            return true;
        }

        /** @return the states, with the hash dropped from files that are no longer racy */
        static List<FileState> settled(List<FileState> states) {
            List<FileState> out = new ArrayList<>(states.size());
            for (FileState s : states) {
                out.add(s.racy || s.hash == null ? s
                        : new FileState(s.exists, s.modified, s.size, s.fileKey, null, false));
            }
            return out;
        }
    }
}
