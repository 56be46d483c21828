/**
 * The client APIs chatd serves, one {@link dev.chatd.server.ingress.IngressCodec} each, and the
 * error and streaming types they share. The server's one chat handler drives every codec.
 */
package dev.chatd.server.ingress;
