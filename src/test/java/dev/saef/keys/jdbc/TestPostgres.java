package dev.saef.keys.jdbc;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests, from Debian's {@code postgresql} package ({@code /usr/lib/postgresql/N/bin},
 * or the directory in the system property {@code saef.test.pgBin}): {@code initdb} into a temporary directory
 * (password authentication, SCRAM), then {@code postgres} on 127.0.0.1 and an ephemeral port as a child process,
 * so {@link #stop()} really stops it. PostgreSQL refuses to run as root; as root (a CI container) the server runs
 * as the {@code postgres} (else {@code nobody}) user through {@code setpriv}, which execs, so the child process is
 * the server itself.
 */
public final class TestPostgres implements AutoCloseable {

    public static final String USER = "saef";
    public static final String PASSWORD = "db-pw-" + Long.toHexString(System.nanoTime());

    private final Path dir;
    private final Path bin;
    private final List<String> asUser;
    private final int port;
    private Process server;

    private TestPostgres(Path bin, Path dir, List<String> asUser, int port) {
        this.bin = bin;
        this.dir = dir;
        this.asUser = asUser;
        this.port = port;
    }

    /** @return the server binaries' directory, or empty with no PostgreSQL installed */
    public static Optional<Path> findBin() {
        String p = System.getProperty("saef.test.pgBin");
        if (p != null) {
            return Optional.of(Path.of(p)).filter(d -> Files.isExecutable(d.resolve("postgres")));
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.map(d -> d.resolve("bin"))
                    .filter(d -> Files.isExecutable(d.resolve("postgres")) && Files.isExecutable(d.resolve("initdb")))
                    .max(Comparator.comparing(d -> versionOf(d.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int versionOf(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static TestPostgres shared;

    /**
     * @return one server for every test class of this JVM (started on first use, stopped when the JVM exits); tests
     *     that stop it start it again
     */
    public static synchronized TestPostgres shared() throws Exception {
        if (shared == null) {
            TestPostgres pg = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (Exception e) {
                    // the JVM is ending
                }
            }));
            shared = pg;
        }
        return shared;
    }

    /** @return the URL of a new, empty schema of the shared server, for one test */
    public static String freshSchema() throws Exception {
        TestPostgres pg = shared();
        String schema = "t" + System.nanoTime();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(pg.url());
                java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return pg.url() + "&currentSchema=" + schema;
    }

    /** Initialises a cluster and starts the server; the caller closes it. */
    public static TestPostgres start() throws Exception {
        Path bin = findBin().orElseThrow(() -> new IllegalStateException("no PostgreSQL server binaries"));
        Path dir = Files.createTempDirectory("saef-pg");
        List<String> asUser = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            String user = userExists("postgres") ? "postgres" : "nobody";
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(dir, users.lookupPrincipalByName(user));
            asUser.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + groupOf(user), "--clear-groups", "--"));
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path pwFile = dir.resolve("pw");
        Files.writeString(pwFile, PASSWORD + "\n");
        if (!asUser.isEmpty()) {
            Files.setOwner(pwFile, Files.getOwner(dir));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TestPostgres pg = new TestPostgres(bin, dir, asUser, port);
        pg.run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", USER,
                "--pwfile=" + pwFile, "-A", "scram-sha-256", "-E", "UTF8", "--no-sync", "--locale=C"));
        pg.startServer();
        return pg;
    }

    private static boolean userExists(String user) throws IOException {
        return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith(user + ":"));
    }

    private static String groupOf(String user) throws IOException {
        for (String l : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = l.split(":");
            if (f[0].equals(user)) {
                return f[3];
            }
        }
        throw new IOException("no user " + user);
    }

    private void run(List<String> cmd) throws Exception {
        List<String> full = new ArrayList<>(asUser);
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(dir.resolve("initdb.log").toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(cmd.get(0) + " failed: " + Files.readString(dir.resolve("initdb.log"), StandardCharsets.UTF_8));
        }
    }

    /** Starts (or restarts) the server on the same port and data directory; returns once it accepts connections. */
    public void startServer() throws Exception {
        List<String> cmd = new ArrayList<>(asUser);
        cmd.addAll(List.of(bin.resolve("postgres").toString(), "-D", dir.resolve("data").toString(),
                "-p", Integer.toString(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                "-c", "fsync=off", "-c", "max_connections=50"));
        Path log = dir.resolve("server.log");
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        server = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IOException("postgres ended: " + Files.readString(dir.resolve("server.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                if (Files.readString(log).substring((int) logStart).contains("ready to accept connections")) {
                    return;
                }
            } catch (IOException e) {
                // not yet
            }
            Thread.sleep(50);
        }
        throw new IOException("postgres did not start: " + Files.readString(dir.resolve("server.log")));
    }

    /** Stops the server (fast shutdown: SIGINT), waiting until it has exited. */
    public void stop() throws Exception {
        if (server != null && server.isAlive()) {
            new ProcessBuilder("kill", "-INT", Long.toString(server.pid())).start().waitFor();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor();
            }
        }
    }

    public int port() {
        return port;
    }

    /** @return a JDBC URL for database {@code postgres} with user and password in it */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + USER + "&password=" + PASSWORD;
    }

    @Override
    public void close() throws Exception {
        stop();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
