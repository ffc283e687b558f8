package dev.chainrule.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.config.ChainruleProperties;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files (compose.cluster.yaml, deploy/haproxy.cfg, deploy/kubernetes/) stay valid and say what the
 * service reads: every environment variable in them is a setting the service binds (by Spring Boot's own mapping)
 * or one its libraries read, the values bind, the probes are the actuator's, the grace period covers the lease and
 * the handover, and the pieces refer to each other correctly.
 */
class DeploymentManifestsTest {
    private static final Path KUBERNETES = Path.of("deploy", "kubernetes");
    /** Spring Boot's default for spring.lifecycle.timeout-per-shutdown-phase: what the graceful shutdown may take. */
    private static final Duration SHUTDOWN_PHASE = Duration.ofSeconds(30);
    private final ServiceSettings settings = new ServiceSettings();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return (List<Object>) value;
    }

    private static List<Map<String, Object>> kubernetesDocuments() throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(KUBERNETES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (Reader reader = Files.newBufferedReader(file)) {
                    for (Object document : new Yaml().loadAll(reader)) {
                        assertThat(document).as(file + " holds a mapping").isInstanceOf(Map.class);
                        Map<String, Object> doc = new LinkedHashMap<>(map(document));
                        doc.put("__file", file.getFileName().toString());
                        documents.add(doc);
                    }
                }
            }
        }
        return documents;
    }

    private static Map<String, Object> kind(List<Map<String, Object>> documents, String kind) {
        List<Map<String, Object>> found = documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        assertThat(found).as("one " + kind + " in " + KUBERNETES).hasSize(1);
        return found.get(0);
    }

    private static Object at(Map<String, Object> root, String... path) {
        Object node = root;
        for (String key : path) {
            assertThat(node).as("a mapping at " + String.join(".", path)).isInstanceOf(Map.class);
            node = map(node).get(key);
            assertThat(node).as(String.join(".", path) + " in " + root.get("__file")).isNotNull();
        }
        return node;
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file)) {
            return map(new Yaml().load(reader));
        }
    }

    /** Every variable names a setting, or is one the libraries read; returns the property each one sets. */
    private Map<String, String> assertSettings(Map<String, ?> env, String where) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (String name : env.keySet()) {
            if (ServiceSettings.LIBRARY_ENV.contains(name)) {
                continue;
            }
            Optional<String> property = settings.propertyOf(name);
            assertThat(property).as(name + " in " + where + " sets no property the service reads").isPresent();
            properties.put(property.get(), name);
        }
        // the values convert: the service's own properties bind from them
        Map<String, Object> values = new LinkedHashMap<>(env);
        values.replaceAll((k, v) -> String.valueOf(v));
        ChainruleProperties bound = new Binder(ConfigurationPropertySources.from(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, values)))
                .bindOrCreate("chainrule", ChainruleProperties.class);
        assertThat(bound.jobs().workers()).isPositive();
        return properties;
    }

    private static void assertClusterSettings(Map<String, String> properties, Map<String, ?> env, String where) {
        assertThat(properties).as("the cluster's settings in " + where).containsKeys("spring.datasource.url",
                "spring.datasource.username", "spring.datasource.password", "chainrule.storage.type", "chainrule.storage.s3.bucket",
                "chainrule.cluster.lease-duration");
        assertThat(env.get(properties.get("chainrule.storage.type"))).isEqualTo("s3");
        assertThat(String.valueOf(env.get(properties.get("spring.datasource.url")))).startsWith("jdbc:postgresql://");
        assertThat(env).as("S3 credentials for the AWS SDK in " + where).containsKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
    }

    private static Duration lease(Map<String, String> properties, Map<String, ?> env) {
        return DurationStyle.detectAndParse(String.valueOf(env.get(properties.get("chainrule.cluster.lease-duration"))));
    }

    @Test
    void kubernetesManifestsAreValidAndConfigureTheServiceThroughConfigMapAndSecret() throws IOException {
        List<Map<String, Object>> documents = kubernetesDocuments();
        for (Map<String, Object> document : documents) {
            String file = (String) document.get("__file");
            assertThat(document.get("apiVersion")).as("apiVersion in " + file).isNotNull();
            if (!"Kustomization".equals(document.get("kind"))) {
                assertThat(at(document, "metadata", "name")).as("name in " + file).isEqualTo("chainrule");
            }
        }
        Map<String, Object> deployment = kind(documents, "Deployment");
        Map<String, Object> configMap = kind(documents, "ConfigMap");
        Map<String, Object> secret = kind(documents, "Secret");
        Map<String, Object> service = kind(documents, "Service");
        Map<String, Object> budget = kind(documents, "PodDisruptionBudget");
        Map<String, Object> kustomization = kind(documents, "Kustomization");
        assertThat(list(kustomization.get("resources"))).as("kustomization.yaml lists every manifest")
                .containsExactlyInAnyOrderElementsOf(documents.stream().filter(d -> d != kustomization).map(d -> d.get("__file")).toList());

        // selectors: the Deployment's, the Service's and the budget's all pick the pods of the template
        Map<String, Object> podLabels = map(at(deployment, "spec", "template", "metadata", "labels"));
        assertThat(podLabels).containsAllEntriesOf(map(at(deployment, "spec", "selector", "matchLabels")));
        assertThat(podLabels).containsAllEntriesOf(map(at(service, "spec", "selector")));
        assertThat(podLabels).containsAllEntriesOf(map(at(budget, "spec", "selector", "matchLabels")));
        int replicas = (Integer) at(deployment, "spec", "replicas");
        assertThat(replicas).isEqualTo(3);
        Object maxUnavailable = map(budget.get("spec")).get("maxUnavailable");
        Object minAvailable = map(budget.get("spec")).get("minAvailable");
        assertThat(maxUnavailable != null ? (Integer) maxUnavailable : replicas - (Integer) minAvailable)
                .as("replicas a disruption may take at once").isBetween(1, replicas - 1);

        List<Object> containers = list(at(deployment, "spec", "template", "spec", "containers"));
        assertThat(containers).hasSize(1);
        Map<String, Object> container = map(containers.get(0));
        // probes: the actuator's probe paths, on the container's named port, which is the service's port
        assertThat(at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
        assertThat(at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(at(container, "startupProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        Map<String, Object> port = map(list(container.get("ports")).get(0));
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertThat(at(container, probe, "httpGet", "port")).as(probe + "'s port").isEqualTo(port.get("name"));
        }
        assertThat(port.get("containerPort")).isEqualTo(applicationPort());
        assertThat(at(service, "spec", "ports")).asList().extracting(p -> map(p).get("targetPort")).containsExactly(port.get("name"));

        // configuration: the ConfigMap and the Secret as environment, credentials only in the Secret
        List<Object> envFrom = list(container.get("envFrom"));
        assertThat(envFrom).extracting(e -> map(e).containsKey("configMapRef") ? at(map(e), "configMapRef", "name") : at(map(e), "secretRef", "name"))
                .containsExactlyInAnyOrder(at(configMap, "metadata", "name"), at(secret, "metadata", "name"));
        Map<String, Object> configData = map(at(configMap, "data"));
        Map<String, Object> secretData = map(at(secret, "stringData"));
        for (String name : configData.keySet()) {
            assertThat(name).as("a credential in the ConfigMap").doesNotContain("PASSWORD", "SECRET", "ACCESS_KEY", "API_KEYS", "USERNAME");
        }
        assertThat(configData).as("ConfigMap values are strings, as Kubernetes requires").allSatisfy((k, v) -> assertThat(v).isInstanceOf(String.class));
        Map<String, Object> env = new LinkedHashMap<>(configData);
        env.putAll(secretData);
        for (Object entry : list(container.get("env"))) {
            Map<String, Object> variable = map(entry);
            env.put((String) variable.get("name"), variable.containsKey("value") ? variable.get("value")
                    : "from " + at(variable, "valueFrom", "fieldRef", "fieldPath"));
        }
        Map<String, String> properties = assertSettings(env, KUBERNETES.toString());
        assertClusterSettings(properties, env, KUBERNETES.toString());
        assertThat(properties).as("one replica id per pod").containsKey("chainrule.cluster.replica-id");
        assertThat(env.get(properties.get("chainrule.cluster.replica-id"))).isEqualTo("from metadata.name");

        // SIGTERM's handover (minibatch, checkpoint, lease released, graceful shutdown) ends before the kubelet's SIGKILL
        Duration grace = Duration.ofSeconds((Integer) at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds"));
        assertThat(grace).isGreaterThanOrEqualTo(lease(properties, env).plus(SHUTDOWN_PHASE));
    }

    @Test
    void composeRunsThreeReplicasOnPostgresAndMinioBehindTheBalancer() throws IOException {
        Map<String, Object> compose = yaml(Path.of("compose.cluster.yaml"));
        Map<String, Object> services = map(at(compose, "services"));
        assertThat(services).containsKeys("chainrule", "balancer", "db", "minio", "bucket");
        Map<String, Object> chainrule = map(services.get("chainrule"));
        assertThat(at(chainrule, "deploy", "replicas")).isEqualTo(3);
        assertThat(chainrule).doesNotContainKeys("ports", "volumes", "container_name");
        Map<String, Object> env = map(at(chainrule, "environment"));
        Map<String, String> properties = assertSettings(env, "compose.cluster.yaml");
        assertClusterSettings(properties, env, "compose.cluster.yaml");

        // the addresses in the settings are the compose services', and the bucket is the one the init creates
        assertThat(String.valueOf(env.get(properties.get("spring.datasource.url")))).startsWith("jdbc:postgresql://db:5432/");
        assertThat(String.valueOf(env.get(properties.get("chainrule.storage.s3.endpoint")))).isEqualTo("http://minio:9000");
        String bucket = String.valueOf(env.get(properties.get("chainrule.storage.s3.bucket")));
        assertThat(String.join(" ", list(at(map(services.get("bucket")), "command")).stream().map(String::valueOf).toList()))
                .contains("mc mb --ignore-existing store/" + bucket);
        assertThat(map(at(chainrule, "depends_on"))).containsEntry("db", Map.of("condition", "service_healthy"))
                .containsEntry("bucket", Map.of("condition", "service_completed_successfully"));

        Duration grace = DurationStyle.detectAndParse(String.valueOf(at(chainrule, "stop_grace_period")));
        assertThat(grace).isGreaterThanOrEqualTo(lease(properties, env).plus(SHUTDOWN_PHASE));
        assertThat(String.valueOf(list(at(chainrule, "healthcheck", "test")))).contains("/actuator/health/readiness");

        List<Object> volumes = list(at(map(services.get("balancer")), "volumes"));
        assertThat(volumes).hasSize(1);
        assertThat(Path.of(String.valueOf(volumes.get(0)).split(":")[0])).isRegularFile().isEqualTo(Path.of("./deploy/haproxy.cfg"));
    }

    @Test
    void theBalancerConfigurationChecksReadinessAndKeepsEventStreamsOpen() throws Exception {
        String config = Files.readString(Path.of("deploy", "haproxy.cfg"));
        assertThat(config).contains("balance roundrobin", "option httpchk GET /actuator/health/readiness", "http-check expect status 200");
        Matcher server = Pattern.compile("server-template \\S+ \\d+ (\\S+):(\\d+) check").matcher(config);
        assertThat(server.find()).as("a server-template line").isTrue();
        assertThat(server.group(1)).as("the compose service behind the balancer").isEqualTo("chainrule");
        assertThat(Integer.parseInt(server.group(2))).isEqualTo(applicationPort());
        Matcher timeout = Pattern.compile("timeout server (\\d+)m").matcher(config);
        assertThat(timeout.find()).isTrue();
        // an SSE stream lives up to an hour (openapi.yaml, GET /jobs/{id}/events)
        assertThat(Duration.ofMinutes(Long.parseLong(timeout.group(1)))).isGreaterThan(Duration.ofHours(1));
        Optional<Path> haproxy = Balancer.binary();
        if (haproxy.isPresent()) { // .ci/run installs it; elsewhere the checks above still hold
            Process check = new ProcessBuilder(haproxy.get().toString(), "-c", "-f", "deploy/haproxy.cfg").redirectErrorStream(true).start();
            String output = new String(check.getInputStream().readAllBytes());
            assertThat(check.waitFor()).as("haproxy -c: " + output).isZero();
        }
    }

    @Test
    void theProbesTheManifestsUseAreEnabledAndDocumented() throws IOException {
        Map<String, Object> application = yaml(Path.of("src", "main", "resources", "application.yaml"));
        assertThat(at(application, "management", "endpoint", "health", "probes", "enabled")).isEqualTo(true);
        Map<String, Object> paths = map(at(yaml(Path.of("openapi", "openapi.yaml")), "paths"));
        assertThat(paths).containsKeys("/actuator/health/readiness", "/actuator/health/liveness");
    }

    private static int applicationPort() throws IOException {
        return (Integer) at(yaml(Path.of("src", "main", "resources", "application.yaml")), "server", "port");
    }
}
