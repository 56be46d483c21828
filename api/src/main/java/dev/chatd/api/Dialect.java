package dev.chatd.api;

/**
 * The wire format a request arrived in. It decides where the request's unmodelled fields may
 * go: to upstreams of the same format, and to Ollama, which ignores fields it does not know.
 * OpenAI-format upstreams reject unknown fields, so Ollama-only fields never reach them.
 */
public enum Dialect {
    OPENAI,
    OLLAMA
}
