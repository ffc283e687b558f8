# Chainrule as a container image (docs/operations.md, "Docker").
#
#   docker build -t chainrule .
#   docker run -p 127.0.0.1:8080:8080 -v chainrule-data:/data chainrule
#
# Base images are build arguments so that a machine with its own mirror or stand-ins can swap them
# (--build-arg BUILD_IMAGE=... / RUNTIME_IMAGE=...); the defaults are the public Temurin 17 images.
ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

# ---- build: the same wrapper and command a developer uses, then Spring Boot's layered extraction
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# The build inputs only (.dockerignore keeps target/, data/, .git and the benchmarks' output out of the context)
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY openapi/ openapi/
COPY src/ src/
# The cache mount keeps Maven, the dependencies and the natives between builds without putting them in a layer;
# .mvn/maven.config limits the ND4J natives to linux-x86_64. Then Spring Boot's extraction: one directory per
# layer (dependencies, spring-boot-loader, snapshot-dependencies, application), each in the launcher's layout,
# so a code change rebuilds only the small application layer of the image. One RUN, and target/ removed in it,
# so the ~160 MB jar is not committed as a layer of its own on every build.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -DskipTests package \
    && java -Djarmode=tools -jar target/chainrule-*.jar extract --layers --launcher --destination /extracted \
    && rm -rf target

# ---- runtime: a JRE, the extracted layers, a non-root user and the data volume
FROM ${RUNTIME_IMAGE}
RUN groupadd --system --gid 10001 chainrule \
    && useradd --system --uid 10001 --gid chainrule --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin chainrule \
    && mkdir -p /data /app \
    && chown chainrule:chainrule /data
WORKDIR /app
# Least likely to change first: the libraries (~165 MB with ND4J's natives) stay cached across code changes
COPY --from=build /extracted/dependencies/ ./
COPY --from=build /extracted/spring-boot-loader/ ./
COPY --from=build /extracted/snapshot-dependencies/ ./
COPY --from=build /extracted/application/ ./

# Everything persistent (database, models, datasets, jobs) lives under the data directory (docs/operations.md, "Docker").
ENV CHAINRULE_DATA_DIR=/data
# JVM flags, replaceable as a whole with -e JDK_JAVA_OPTIONS=...: the heap follows the container's memory limit.
# ND4J's arrays live outside the heap (JavaCPP lets them grow to the heap's maximum by default), hence half, not
# the usual three quarters. JavaCPP unpacks its natives into a directory the chainrule user can write.
# No thread or BLAS variables: the service sizes OpenBLAS and OpenMP itself from the CPUs the JVM sees
# (chainrule.jobs.*), and OPENBLAS_CORETYPE is left for the operator to set (docs/speed.md).
ENV JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp"
USER chainrule:chainrule
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
