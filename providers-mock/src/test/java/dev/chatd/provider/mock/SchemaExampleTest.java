package dev.chatd.provider.mock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.kit.json.JsonCodec;
import org.junit.jupiter.api.Test;

/** Arguments a schema-validating client accepts, for the schemas agents' tools really have. */
class SchemaExampleTest {

    private static String example(String schema) {
        return JsonCodec.writeString(SchemaExample.ofParameters(JsonCodec.parse(schema)));
    }

    @Test
    void onlyRequiredPropertiesEachOfItsType() {
        assertThat(example("""
                {"type":"object","properties":{
                  "s":{"type":"string"},"i":{"type":"integer"},"n":{"type":"number"},
                  "b":{"type":"boolean"},"a":{"type":"array","items":{"type":"string"}},
                  "z":{"type":"null"},"optional":{"type":"string"}},
                 "required":["s","i","n","b","a","z"]}""")).isEqualTo("{\"s\":\"example\",\"i\":1,\"n\":1,\"b\":true,\"a\":[],\"z\":null}");
    }

    @Test
    void constDefaultAndEnumWin() {
        assertThat(example("""
                {"type":"object","properties":{
                  "c":{"type":"string","const":"fixed"},
                  "d":{"type":"integer","default":7},
                  "e":{"type":"string","enum":["low","high"]}},
                 "required":["c","d","e"]}""")).isEqualTo("{\"c\":\"fixed\",\"d\":7,\"e\":\"low\"}");
    }

    @Test
    void nestedObjectsAndMinItemsArraysAreFilledRecursively() {
        assertThat(example("""
                {"type":"object","properties":{
                  "place":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"}},"required":["city"]},
                  "tags":{"type":"array","minItems":2,"items":{"type":"object","properties":{"k":{"type":"integer"}},"required":["k"]}}},
                 "required":["place","tags"]}""")).isEqualTo("{\"place\":{\"city\":\"example\"},\"tags\":[{\"k\":1},{\"k\":1}]}");
    }

    @Test
    void boundsLengthsAndFormatsAreHonoured() {
        assertThat(example("""
                {"type":"object","properties":{
                  "min":{"type":"integer","minimum":5},"max":{"type":"number","maximum":0.5},
                  "exclusive":{"type":"integer","exclusiveMinimum":1},
                  "long":{"type":"string","minLength":10},"short":{"type":"string","maxLength":3},
                  "when":{"type":"string","format":"date-time"}},
                 "required":["min","max","exclusive","long","short","when"]}"""))
                .isEqualTo("{\"min\":5,\"max\":0.5,\"exclusive\":2,\"long\":\"examplexxx\",\"short\":\"exa\","
                        + "\"when\":\"2024-01-01T00:00:00Z\"}");
    }

    @Test
    void nullableTypesRefsAndChoicesResolve() {
        assertThat(example("""
                {"type":"object","$defs":{"unit":{"type":"string","enum":["c","f"]}},
                 "properties":{
                   "maybe":{"type":["null","integer"]},
                   "unit":{"$ref":"#/$defs/unit"},
                   "either":{"anyOf":[{"type":"boolean"},{"type":"string"}]},
                   "both":{"allOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},
                                    {"properties":{"b":{"type":"integer"}},"required":["b"]}]}},
                 "required":["maybe","unit","either","both"]}"""))
                .isEqualTo("{\"maybe\":1,\"unit\":\"c\",\"either\":true,\"both\":{\"a\":\"example\",\"b\":1}}");
    }

    @Test
    void aToolWithoutParametersTakesAnEmptyObjectAndASelfReferenceEnds() {
        assertThat(SchemaExample.ofParameters(null)).isEqualTo(java.util.Map.of());
        assertThat(example("""
                {"type":"object","properties":{"next":{"$ref":"#"}},"required":["next"]}""")).startsWith("{\"next\":{\"next\":{");
    }
}
