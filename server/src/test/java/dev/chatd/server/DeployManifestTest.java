package dev.chatd.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatd.api.spi.ChatProviderFactory;
import dev.chatd.core.KeyResolver;
import dev.chatd.core.ProviderDiscovery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The README's Kubernetes example, {@code deploy/kubernetes/chatd.yaml}, is written, not applied
 * (no cluster in CI), so this reads it: it parses, its chatd configuration reads without an
 * unknown key, the JVM flags are {@code bin/chatd}'s, the pod's grace period outlasts the
 * {@code preStop} sleep plus chatd's drain, the probes use the observe endpoints, and no secret
 * is written in it.
 */
class DeployManifestTest {
    private static final Path MANIFEST = Path.of(System.getProperty("basedir", "."))
            .toAbsolutePath()
            .resolve("../deploy/kubernetes/chatd.yaml")
            .normalize();
    private static final List<ChatProviderFactory> FACTORIES =
            ProviderDiscovery.discover(DeployManifestTest.class.getClassLoader());

    @Test
    void theKubernetesExampleParsesAndAgreesWithChatd(@TempDir Path dir) throws IOException {
        List<Map<String, Object>> docs = documents();
        assertThat(docs)
                .extracting(d -> d.get("kind"))
                .containsExactly("ConfigMap", "Deployment", "Service", "PodDisruptionBudget");

        Path config = dir.resolve("chatd.yaml");
        Files.writeString(config, (String) map(doc(docs, "ConfigMap"), "data").get("chatd.yaml"));
        Main.Loaded loaded = Main.load(config, Map.of(), FACTORIES);
        assertThat(loaded.warnings()).as("unknown keys").isEmpty();
        ChatdConfig chatd = ChatdConfig.from(loaded.config(), new KeyResolver(name -> null));

        Map<String, Object> deployment = map(doc(docs, "Deployment"), "spec");
        assertThat(deployment.get("replicas")).isEqualTo(2);
        Map<String, Object> pod = map(map(deployment, "template"), "spec");
        Map<String, Object> container = list(pod, "containers").get(0);

        List<String> command = strings(container.get("command"));
        assertThat(command.subList(1, command.indexOf("-jar")))
                .as("bin/chatd's JVM flags")
                .containsExactlyElementsOf(ChatdProcess.launchFlags());

        List<String> preStop =
                strings(map(map(map(container, "lifecycle"), "preStop"), "exec").get("command"));
        assertThat(preStop).first().isEqualTo("sleep");
        long grace = ((Number) pod.get("terminationGracePeriodSeconds")).longValue();
        assertThat(grace)
                .as("terminationGracePeriodSeconds outlasts preStop and chatd.shutdown-grace-secs")
                .isGreaterThan(
                        Long.parseLong(preStop.get(1)) + chatd.shutdownGrace().toSeconds());

        assertThat(map(map(container, "readinessProbe"), "httpGet")).containsEntry("path", "/observe/health/ready");
        assertThat(map(map(container, "livenessProbe"), "httpGet")).containsEntry("path", "/observe/health/live");
        assertThat(list(container, "ports").get(0)).containsEntry("containerPort", chatd.port());
        assertThat(list(map(doc(docs, "Service"), "spec"), "ports").get(0))
                .containsEntry("targetPort", list(container, "ports").get(0).get("name"));

        assertThat(container).as("secrets come from a Secret, not the file").doesNotContainKey("env");
        assertThat(list(container, "envFrom").get(0)).containsKey("secretRef");
    }

    private static List<Map<String, Object>> documents() throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(MANIFEST))) {
            docs.add(cast(doc));
        }
        return docs;
    }

    private static Map<String, Object> doc(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst().orElseThrow();
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return cast(parent.get(key));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return (List<Map<String, Object>>) parent.get(key);
    }

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }
}
