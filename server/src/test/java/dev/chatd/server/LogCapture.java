package dev.chatd.server;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Records what is logged through java.util.logging while open: a handler on the root logger,
 * with chatd's own loggers opened to every level so that debug lines are checked too.
 */
final class LogCapture extends Handler implements AutoCloseable {
    private static final SimpleFormatter FORMATTER = new SimpleFormatter();

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Logger chatd = Logger.getLogger("dev.chatd");
    private final Level chatdLevel;

    private LogCapture() {
        chatdLevel = chatd.getLevel();
        setLevel(Level.ALL);
    }

    static LogCapture start() {
        LogCapture capture = new LogCapture();
        capture.chatd.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** Everything a log line can show: the formatted message, the raw one, its parameters and any stack trace. */
    static String text(LogRecord record) {
        StringBuilder text = new StringBuilder();
        text.append(FORMATTER.formatMessage(record))
                .append('\n')
                .append(record.getMessage())
                .append('\n');
        if (record.getParameters() != null) {
            text.append(Arrays.toString(record.getParameters())).append('\n');
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            text.append(trace);
        }
        return text.toString();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
        chatd.setLevel(chatdLevel);
    }
}
