package dev.chatd.kit.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatd.api.ChatException;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonObjectViewTest {

    private static JsonObjectView view(String json) {
        return JsonObjectView.of(JsonCodec.parse(json), "request body", ChatException.InvalidRequest::new);
    }

    @Test
    void nonObjectIsRefusedByName() {
        assertThatThrownBy(() -> view("[1]"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessage("request body must be a JSON object");
    }

    @Test
    void errorFactoryDecidesTheExceptionType() {
        JsonObjectView reply =
                JsonObjectView.of(JsonCodec.parse("{\"model\":1}"), "reply", ChatException.UpstreamFailure::new);

        assertThatThrownBy(() -> reply.string("model"))
                .isInstanceOf(ChatException.UpstreamFailure.class)
                .hasMessage("model must be a string");
    }

    @Test
    void wrongTypedStringNamesItsPath() {
        assertThatThrownBy(() -> view("{\"model\":42}").string("model"))
                .isInstanceOf(ChatException.InvalidRequest.class)
                .hasMessage("model must be a string");
    }

    @Test
    void nestedFieldNamesTheWholePath() {
        JsonObjectView message = view("{\"message\":{\"content\":[1]}}").object("message");

        assertThatThrownBy(() -> message.string("content")).hasMessage("message.content must be a string");
    }

    @Test
    void arrayElementNamesItsIndex() {
        JsonObjectView request = view("{\"messages\":[{\"role\":\"user\"},{\"role\":\"user\"},{\"role\":7}]}");
        JsonObjectView third = request.at(request.array("messages").get(2), request.path("messages") + "[2]");

        assertThatThrownBy(() -> third.string("role")).hasMessage("messages[2].role must be a string");
    }

    @Test
    void arrayElementThatIsNotAnObjectNamesItsIndex() {
        JsonObjectView request = view("{\"messages\":[\"hi\"]}");

        assertThatThrownBy(() -> request.at(request.array("messages").get(0), "messages[0]"))
                .hasMessage("messages[0] must be an object");
    }

    @Test
    void missingRequiredStringIsRequired() {
        assertThatThrownBy(() -> view("{\"model\":\"  \"}").requiredString("model"))
                .hasMessage("model is required");
        assertThatThrownBy(() -> view("{}").requiredString("model")).hasMessage("model is required");
    }

    @Test
    void wrongTypedNumberNamesItsPath() {
        assertThatThrownBy(() -> view("{\"temperature\":\"hot\"}").decimal("temperature"))
                .hasMessage("temperature must be a number");
    }

    @Test
    void fractionWhereAWholeNumberIsNeededSaysSo() {
        assertThatThrownBy(() -> view("{\"max_tokens\":1.5}").integer("max_tokens"))
                .hasMessage("max_tokens must be a whole number");
    }

    @Test
    void integerOutOfRangeSaysSo() {
        assertThatThrownBy(() -> view("{\"max_tokens\":3000000000}").integer("max_tokens"))
                .hasMessage("max_tokens is out of range");
    }

    @Test
    void wrongTypedBooleanNamesItsPath() {
        assertThatThrownBy(() -> view("{\"stream\":\"yes\"}").bool("stream"))
                .hasMessage("stream must be true or false");
    }

    @Test
    void wrongTypedObjectAndArrayNameTheirPaths() {
        assertThatThrownBy(() -> view("{\"options\":[]}").object("options")).hasMessage("options must be an object");
        assertThatThrownBy(() -> view("{\"messages\":{}}").array("messages")).hasMessage("messages must be an array");
    }

    @Test
    void absentAndNullFieldsReadAsNull() {
        JsonObjectView view = view("{\"a\":null}");

        assertThat(view.string("a")).isNull();
        assertThat(view.integer("b")).isNull();
        assertThat(view.object("a")).isNull();
        assertThat(view.has("a")).isFalse();
    }

    @Test
    void readsWellTypedValues() {
        JsonObjectView view = view("{\"t\":0.5,\"n\":3,\"s\":true,\"l\":9007199254740993}");

        assertThat(view.decimal("t")).isEqualTo(0.5);
        assertThat(view.integer("n")).isEqualTo(3);
        assertThat(view.bool("s")).isTrue();
        assertThat(view.longInteger("l")).isEqualTo(9007199254740993L);
    }

    @Test
    void otherThanKeepsUnknownFieldsInOrder() {
        Map<String, Object> other =
                view("{\"model\":\"m\",\"z\":1,\"messages\":[],\"a\":2}").otherThan(Set.of("model", "messages"));

        assertThat(other.keySet()).containsExactly("z", "a");
    }
}
