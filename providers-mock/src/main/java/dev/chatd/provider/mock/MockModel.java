package dev.chatd.provider.mock;

import dev.chatd.api.ChatException;
import dev.chatd.api.ModelInfo;
import dev.chatd.kit.http.UpstreamErrors;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The models the mock provider serves, parsed from the model name the request carries. */
sealed interface MockModel {

    /** Answers with the last user message. */
    record Echo() implements MockModel {}

    /** Calls the first tool offered, then reports its result. */
    record ToolCaller() implements MockModel {}

    /** Fails as an upstream answering {@code status} would. */
    record Failing(int status) implements MockModel {
        /** What the real provider's error mapping makes of that status, so every ingress maps it alike. */
        ChatException error(String provider) {
            String message = provider + "/error-" + status + " answers as an upstream failing with HTTP " + status;
            // A Retry-After clients can honour without slowing a test suite down.
            String retryAfter = status == 429 ? "1" : null;
            return UpstreamErrors.classify(provider, status, message, retryAfter);
        }
    }

    Pattern ERROR = Pattern.compile("error-([45][0-9][0-9])");

    /** The examples {@code models()} lists; any status from 400 to 599 works. */
    List<Integer> LISTED_ERRORS = List.of(400, 401, 403, 404, 429, 500, 502, 503, 504);

    /**
     * The model for a name as the provider receives it (without {@code mock/}).
     *
     * @throws ChatException.ModelNotFound naming the models there are
     */
    static MockModel of(String provider, String model) {
        if (model.equals("echo")) {
            return new Echo();
        }
        if (model.equals("tool")) {
            return new ToolCaller();
        }
        Matcher error = ERROR.matcher(model);
        if (error.matches()) {
            return new Failing(Integer.parseInt(error.group(1)));
        }
        throw new ChatException.ModelNotFound(provider + " has no model '" + model + "'; it has " + provider
                + "/echo, " + provider + "/tool and " + provider + "/error-<status> for a status from 400 to 599"
                + " (" + provider + "/error-429, say)");
    }

    /** Every model worth listing. */
    static List<ModelInfo> listed() {
        List<ModelInfo> models = new java.util.ArrayList<>();
        models.add(new ModelInfo("echo", "chatd", 0));
        models.add(new ModelInfo("tool", "chatd", 0));
        for (int status : LISTED_ERRORS) {
            models.add(new ModelInfo("error-" + status, "chatd", 0));
        }
        return List.copyOf(models);
    }
}
