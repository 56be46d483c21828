package dev.chatd.server;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Writes log lines to standard output from a thread of its own. A request thread only formats
 * its line and queues it, so a busy server does not serialise every request on the console's
 * lock and on a blocking write (measured at about a tenth of the CPU under load with a
 * synchronous console handler). Lines are written in order and flushed as soon as the queue is
 * empty; if the queue is ever full, lines are dropped and the count of dropped lines is logged.
 * Configured in {@code logging.properties}.
 */
public final class AsyncConsoleHandler extends Handler {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(65_536);
    private final AtomicLong dropped = new AtomicLong();
    private final Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);

    public AsyncConsoleHandler() {
        // JUL's LogManager closes (and so flushes) its handlers at shutdown.
        Thread.ofPlatform().name("chatd-log").daemon().start(this::drain);
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        if (!lines.offer(format(record))) {
            dropped.incrementAndGet();
        }
    }

    private static final String ACCESS_LOG = AccessLog.class.getName();

    static String format(LogRecord record) {
        if (ACCESS_LOG.equals(record.getLoggerName())
                && record.getMessage() != null
                && record.getMessage().startsWith("{")) {
            // A JSON access line (chatd.log.format: json) is the whole line: it has its own time.
            return record.getMessage() + '\n';
        }
        StringBuilder line = new StringBuilder(160);
        TIME.formatTo(Instant.ofEpochMilli(record.getMillis()), line);
        line.append(' ')
                .append(record.getLevel().getName())
                .append(' ')
                // The logger's name, not the record's source class: asking for that walks the
                // caller's stack (3-4 % of the CPU of a small request, one line each, in JFR).
                .append(record.getLoggerName())
                .append(": ")
                .append(message(record))
                .append('\n');
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append(trace);
        }
        return line.toString();
    }

    private static String message(LogRecord record) {
        Object[] parameters = record.getParameters();
        String message = record.getMessage();
        if (parameters == null || parameters.length == 0 || message == null || !message.contains("{")) {
            return message;
        }
        return java.text.MessageFormat.format(message, parameters);
    }

    private void drain() {
        List<String> batch = new ArrayList<>(256);
        try {
            while (true) {
                batch.add(lines.take());
                lines.drainTo(batch, 255);
                write(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void write(List<String> batch) {
        try {
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                out.write("WARNING: the log fell behind and dropped " + lost + " lines\n");
            }
            for (String line : batch) {
                out.write(line);
            }
            if (lines.isEmpty()) {
                out.flush();
            }
        } catch (IOException e) {
            reportError("cannot write the log", e, 0);
        }
    }

    @Override
    public void flush() {
        List<String> rest = new ArrayList<>();
        lines.drainTo(rest);
        write(rest);
        synchronized (this) {
            try {
                out.flush();
            } catch (IOException e) {
                reportError("cannot flush the log", e, 0);
            }
        }
    }

    @Override
    public void close() {
        flush();
    }
}
