/**
 * The provider TCK: what a provider module adds as a test dependency to prove it behaves as
 * chatd expects. Extend {@link dev.chatd.tck.ProviderContract} with your factory and your
 * upstream's {@link dev.chatd.tck.UpstreamFormat}; script further answers with
 * {@link dev.chatd.tck.FakeUpstream} (HTTP) or {@link dev.chatd.tck.RawUpstream} (raw bytes on a
 * socket), and check error replies with {@link dev.chatd.tck.ErrorRow}. Depends on
 * {@code chatd-api}, JUnit 5 and AssertJ only.
 *
 * @since 0.2
 */
package dev.chatd.tck;
