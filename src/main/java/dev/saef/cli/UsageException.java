package dev.saef.cli;

/** A command-line mistake; the message says which option and what is expected. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
