package dev.saef.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@value SaefProperties#SESSION_TICKETS} and {@value SaefProperties#SESSION_TICKET_KEY_LIFETIME}:
 * defaults (off, one hour), accepted forms, and errors naming the property.
 */
class SessionTicketPropertiesTest {

    private static Properties props(String tickets, String lifetime) {
        Properties p = new Properties();
        if (tickets != null) {
            p.setProperty(SaefProperties.SESSION_TICKETS, tickets);
        }
        if (lifetime != null) {
            p.setProperty(SaefProperties.SESSION_TICKET_KEY_LIFETIME, lifetime);
        }
        return p;
    }

    @Test
    void offByDefaultWithAnHourKeyLifetime() throws Exception {
        SaefConfiguration c = SaefProperties.load(props(null, null));
        assertFalse(c.sessionTickets());
        assertEquals(3_600_000, c.sessionTicketKeyLifetimeMillis());
        assertFalse(c.describe().contains("ticket"), c.describe());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"true|true", "TRUE|true", " false |false"})
    void switchForms(String value, boolean on) throws Exception {
        assertEquals(on, SaefProperties.load(props(value, null)).sessionTickets());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"1s|1000", "60min|3600000", "PT1H|3600000", "90000|90000", "PT168H|604800000"})
    void lifetimeForms(String value, long millis) throws Exception {
        SaefConfiguration c = SaefProperties.load(props("true", value));
        assertEquals(millis, c.sessionTicketKeyLifetimeMillis());
        assertTrue(c.describe().contains("session tickets (key lifetime " + millis + " ms)"), c.describe());
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "on", "1", ""})
    void badSwitchNamesTheProperty(String value) {
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(props(value, null)));
        assertTrue(e.getMessage().startsWith(SaefProperties.SESSION_TICKETS + ": "), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "0", "999", "999ms", "1h", "-1s", "PT169H", "20000min"})
    void badLifetimeNamesThePropertyAndTheRange(String value) {
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(props("true", value)));
        assertTrue(e.getMessage().startsWith(SaefProperties.SESSION_TICKET_KEY_LIFETIME + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("60min"), "names the accepted forms: " + e.getMessage());
    }

    @Test
    void clientTicketsOffByDefault() throws Exception {
        Properties p = new Properties();
        assertFalse(SaefProperties.load(p).clientSessionTickets());
        p.setProperty(SaefProperties.CLIENT_SESSION_TICKETS, "true");
        SaefConfiguration c = SaefProperties.load(p);
        assertTrue(c.clientSessionTickets());
        assertTrue(c.describe().contains("client session tickets"), c.describe());
        assertFalse(c.sessionTickets(), "the server option is separate");
        p.setProperty(SaefProperties.CLIENT_SESSION_TICKETS, "maybe");
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(p));
        assertTrue(e.getMessage().startsWith(SaefProperties.CLIENT_SESSION_TICKETS + ": "), e.getMessage());
        assertTrue(SaefProperties.load(new Properties()).withClientSessionTickets(true).clientSessionTickets());
    }

    @Test
    void nearMissInCaseIsAnError() {
        Properties p = new Properties();
        p.setProperty("saef.sessiontickets", "true");
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(p));
        assertTrue(e.getMessage().contains("did you mean saef.sessionTickets"), e.getMessage());
    }

    @Test
    void builderAndWithMethod() throws Exception {
        SaefConfiguration c = SaefProperties.load(props(null, null)).withSessionTickets(true);
        assertTrue(c.sessionTickets());
        assertTrue(c.withJdkFallback(false).sessionTickets(), "other with-methods keep it");
        SaefConfiguration d = c.toBuilder().sessionTicketKeyLifetime(Duration.ofMinutes(5)).build();
        assertEquals(300_000, d.sessionTicketKeyLifetimeMillis());
        assertThrows(IllegalArgumentException.class,
                () -> c.toBuilder().sessionTicketKeyLifetime(Duration.ofMillis(10)));
        assertThrows(IllegalArgumentException.class, () -> c.toBuilder().sessionTicketKeyLifetime(Duration.ofDays(8)));
    }
}
