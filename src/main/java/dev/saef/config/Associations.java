package dev.saef.config;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The {@link AssociationsMBean} of a {@link ReloadingKeyManager}. It holds the manager weakly, so
 * that the platform MBean server does not keep an unused {@code SSLContext}'s keys alive; the
 * watcher unregisters it once the manager is gone.
 */
final class Associations implements AssociationsMBean {

    private static final System.Logger LOG = System.getLogger("dev.saef");

    private final WeakReference<ReloadingKeyManager> manager;
    private final ObjectName name;

    private Associations(ReloadingKeyManager m, ObjectName name) {
        this.manager = new WeakReference<>(m);
        this.name = name;
    }

    /** @return the registered bean, or null when JMX refused it (logged; reload by file watch still works) */
    static Associations register(ReloadingKeyManager m) {
        try {
            ObjectName n = new ObjectName("dev.saef:type=Associations,name=" + ObjectName.quote(m.source())
                    + ",id=" + m.id());
            Associations bean = new Associations(m, n);
            ManagementFactory.getPlatformMBeanServer().registerMBean(bean, n);
            return bean;
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "SAEF: cannot register the JMX bean for " + m.source() + ": " + e);
            return null;
        }
    }

    ObjectName name() {
        return name;
    }

    void unregister() {
        MBeanServer s = ManagementFactory.getPlatformMBeanServer();
        try {
            if (s.isRegistered(name)) {
                s.unregisterMBean(name);
            }
        } catch (JMException e) {
            // already gone
        }
    }

    private ReloadingKeyManager m() {
        ReloadingKeyManager m = manager.get();
        if (m == null) {
            throw new IllegalStateException("the SSLContext of this bean is gone");
        }
        return m;
    }

    @Override
    public String getSource() {
        return m().source();
    }

    @Override
    public String getMode() {
        return m().mode().name();
    }

    @Override
    public String getLoadedAt() {
        return m().loadedAt().toString();
    }

    @Override
    public int getAssociationCount() {
        return m().configuration().associations().associations().size();
    }

    @Override
    public String getLastError() {
        return m().lastError().orElse("");
    }

    @Override
    public int getUnknownIdentitiesCached() {
        return m().unknownIdentities();
    }

    @Override
    public long getReloadCount() {
        return m().reloadCount();
    }

    @Override
    public String reload() {
        ReloadingKeyManager m = m();
        if (m.reload()) {
            return "reloaded: " + m.configuration().associations().associations().size() + " associations";
        }
        return "failed, still running the previous configuration: " + m.lastError().orElse("closed");
    }
}
