/**
 * One provider name in front of more than one wire format: a provider whose upstream serves
 * some models in one format and the rest in another (OpenCode Zen's Claude models on
 * {@code /messages}, its others on {@code /chat/completions}).
 *
 * @since 0.3
 */
package dev.chatd.kit.routing;
