package io.fedlora.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The admin API's JSON as text for people: the status as {@code key: value} lines, workers and
 * rounds as tables. Non-finite numbers arrive as the strings {@code "NaN"}/{@code "Infinity"} and
 * print as {@code -}.
 */
final class AdminViews {

    private AdminViews() {}

    static String status(JsonNode s) {
        List<String[]> lines = new ArrayList<>();
        lines.add(kv("round", s.path("round").asLong() + "/" + s.path("rounds").asLong()));
        lines.add(kv("state", s.path("state").asText()));
        lines.add(kv("workers", s.path("workers").asText()));
        lines.add(
                kv(
                        "results",
                        s.path("resultsIn").asInt()
                                + "/"
                                + s.path("resultsExpected").asInt()
                                + " in"));
        lines.add(kv("last accuracy", percent(number(s.path("lastAccuracy")))));
        lines.add(kv("completed rounds", s.path("completedRounds").asText()));
        lines.add(kv("strategy", s.path("strategy").asText()));
        lines.add(kv("stop requested", s.path("stopAfterRound").asBoolean() ? "yes" : "no"));
        lines.add(kv("rejected updates", rejections(s.path("rejections"))));
        lines.add(kv("run dir", s.path("runDir").asText()));
        int width = lines.stream().mapToInt(l -> l[0].length()).max().orElse(0) + 1;
        StringBuilder out = new StringBuilder();
        for (String[] l : lines) {
            out.append(String.format(Locale.ROOT, "%-" + width + "s %s%n", l[0] + ":", l[1]));
        }
        return out.toString();
    }

    static String workers(JsonNode list) {
        if (list.isEmpty()) {
            return "no worker has joined yet\n";
        }
        TextTable t =
                new TextTable(
                        "ID",
                        "HOST",
                        "DEVICE",
                        ">MEMORY",
                        ">MAX RANK",
                        ">EXAMPLES",
                        "ACTIVITY",
                        ">HEARTBEAT AGE",
                        ">UPDATES");
        for (JsonNode w : list) {
            t.row(
                    w.path("id").asText(),
                    w.path("host").asText(),
                    w.path("device").asText(),
                    bytes(w.path("memoryBytes").asLong()),
                    w.path("maxRank").asInt(),
                    w.path("exampleCount").asLong(),
                    w.path("activity").asText(),
                    fixed(number(w.path("heartbeatAgeSeconds")), 1) + " s",
                    w.path("roundsCompleted").asLong());
        }
        return t.toString();
    }

    static String rounds(JsonNode list) {
        if (list.isEmpty()) {
            return "no round has completed yet\n";
        }
        TextTable t =
                new TextTable(
                        ">ROUND",
                        ">VERSION",
                        ">ACCEPTED",
                        ">FAILURES",
                        ">CLIENT LOSS",
                        ">EVAL LOSS",
                        ">ACCURACY",
                        ">SECONDS",
                        "NOTE");
        for (JsonNode r : list) {
            JsonNode ev = r.path("evaluation");
            boolean evaluated = ev.isObject();
            t.row(
                    r.path("round").asLong(),
                    r.path("version").asLong(),
                    r.path("accepted").size() + "/" + r.path("instructed").asInt(),
                    r.path("failures").size(),
                    fixed(number(r.path("metrics").path("client_loss")), 4),
                    evaluated ? fixed(number(ev.path("loss")), 4) : "-",
                    evaluated ? percent(number(ev.path("metrics").path("accuracy"))) : "-",
                    fixed(number(r.path("seconds")), 1),
                    r.path("note").asText(""));
        }
        return t.toString();
    }

    /** A control reply: what the coordinator said, and the state it is in now. */
    static String control(JsonNode reply) {
        String changed = reply.path("changed").asBoolean() ? "" : " (nothing changed)";
        return reply.path("message").asText()
                + changed
                + "\nstate: "
                + reply.path("state").asText()
                + "\n";
    }

    /** A JSON number, or one of the strings "NaN"/"Infinity"/"-Infinity"; NaN when absent. */
    static double number(JsonNode n) {
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isTextual()) {
            try {
                return Double.parseDouble(n.asText());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    private static String[] kv(String key, String value) {
        return new String[] {key, value};
    }

    private static String rejections(JsonNode r) {
        if (!r.isObject() || r.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            parts.add(e.getKey() + " " + e.getValue().asLong());
        }
        return String.join(", ", parts);
    }

    private static String fixed(double v, int digits) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + digits + "f", v) : "-";
    }

    private static String percent(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f %%", 100 * v) : "-";
    }

    private static String bytes(long n) {
        if (n <= 0) {
            return "-";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = 0;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return i == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[i]);
    }
}
