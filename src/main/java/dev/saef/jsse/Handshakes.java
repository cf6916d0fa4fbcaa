package dev.saef.jsse;

import dev.saef.protocol.HandshakeOutcome;
import dev.saef.protocol.HandshakeStats;
import java.lang.management.ManagementFactory;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The {@link HandshakesMBean} of one {@code SSLContext}: reads its {@link HandshakeStats}, which
 * hold nothing of the context, so that the MBean server does not keep the context alive; a
 * {@link Cleaner} unregisters the bean once the context is garbage (an {@code SSLContext} has no
 * close). Registration never fails a context: when JMX refuses, that is logged and the context works
 * without the bean.
 */
final class Handshakes implements HandshakesMBean {

    private static final System.Logger LOG = System.getLogger("dev.saef");
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong NEXT = new AtomicLong();

    private final HandshakeStats stats;

    private Handshakes(HandshakeStats stats) {
        this.stats = stats;
    }

    /**
     * Registers the bean of {@code owner}'s counters and unregisters it when {@code owner} becomes unreachable.
     *
     * @return the bean's name, or null when JMX refused it (logged)
     */
    static ObjectName register(Object owner, HandshakeStats stats) {
        ObjectName name;
        try {
            name = new ObjectName("dev.saef:type=Handshakes,context=" + NEXT.incrementAndGet());
            ManagementFactory.getPlatformMBeanServer().registerMBean(new Handshakes(stats), name);
        } catch (JMException | RuntimeException | Error e) {
            if (e instanceof VirtualMachineError v) {
                throw v;
            }
            LOG.log(System.Logger.Level.WARNING, "SAEF: cannot register the JMX bean of the handshake counters; the"
                    + " SSLContext works without it: " + e);
            return null;
        }
        CLEANER.register(owner, () -> unregister(name));
        return name;
    }

    private static void unregister(ObjectName name) {
        try {
            MBeanServer s = ManagementFactory.getPlatformMBeanServer();
            if (s.isRegistered(name)) {
                s.unregisterMBean(name);
            }
        } catch (JMException | RuntimeException e) {
            // already gone
        }
    }

    @Override
    public String getProtocol() {
        return stats.transport();
    }

    @Override
    public long getSucceededFull() {
        return stats.count(HandshakeOutcome.FULL);
    }

    @Override
    public long getSucceededResumed() {
        return stats.count(HandshakeOutcome.RESUMED);
    }

    @Override
    public long getUnknownIdentity() {
        return stats.count(HandshakeOutcome.UNKNOWN_IDENTITY);
    }

    @Override
    public long getWrongKey() {
        return stats.count(HandshakeOutcome.WRONG_KEY);
    }

    @Override
    public long getTimeout() {
        return stats.count(HandshakeOutcome.TIMEOUT);
    }

    @Override
    public long getNoCommonSuite() {
        return stats.count(HandshakeOutcome.NO_COMMON_SUITE);
    }

    @Override
    public long getPeerAlert() {
        return stats.count(HandshakeOutcome.PEER_ALERT);
    }

    @Override
    public long getLocalFailure() {
        return stats.count(HandshakeOutcome.LOCAL_FAILURE);
    }

    @Override
    public long getInternalError() {
        return stats.count(HandshakeOutcome.INTERNAL_ERROR);
    }

    @Override
    public long getFailed() {
        long n = 0;
        for (HandshakeOutcome o : HandshakeOutcome.values()) {
            if (!o.succeeded()) {
                n += stats.count(o);
            }
        }
        return n;
    }
}
