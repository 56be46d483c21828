#!/usr/bin/env bash
# The JMH microbenchmarks of chatd's request path (benchmarks/.../HotPathBenchmark) with JMH's
# GC profiler: time and bytes allocated per operation, for a 160 B and a 64 KiB request body.
# Prints one line per benchmark and size, and leaves JMH's full CSV in benchmarks/target/jmh-gc.csv.
#
#   bench/jmh-gc.sh                       3 warm-up and 5 measured iterations of 2 s (about 4 minutes)
#   JMH_OPTS="-wi 2 -i 3 -w 1 -r 1" bench/jmh-gc.sh    shorter, wider error bars
#   bench/jmh-gc.sh decodeRequest         only the benchmarks whose names match (a JMH regexp)
#
# Needs a JDK 21+ in JAVA_HOME; builds benchmarks/target/benchmarks.jar when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAR=benchmarks/target/benchmarks.jar
if [ ! -f "$JAR" ] || [ -n "$(find benchmarks/src benchmarks/pom.xml -newer "$JAR" 2>/dev/null)" ]; then
  echo "jmh-gc: building $JAR" >&2
  ./mvnw -B -q package -pl benchmarks -am -DskipTests -Djacoco.skip=true >&2
fi
CSV=benchmarks/target/jmh-gc.csv
# shellcheck disable=SC2086
"$JAVA" -jar "$JAR" "HotPathBenchmark${1:+.*$1}" -prof gc -p size=160,65536 -f 1 ${JMH_OPTS:--wi 3 -i 5 -w 2 -r 2} \
  -rf csv -rff "$CSV" >benchmarks/target/jmh-gc.log
# CSV: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: size"
awk -F, '
  { gsub(/"/, "") }
  NR == 1 { next }
  $1 !~ /:/ { name = $1; sub(/.*\./, "", name); time[name "," $8] = $5; err[name "," $8] = $6; keys[++n] = name "," $8 }
  $1 ~ /gc\.alloc\.rate\.norm$/ { name = $1; sub(/:.*/, "", name); sub(/.*\./, "", name); alloc[name "," $8] = $5 }
  END {
    printf "%-24s %7s | %12s %10s | %12s\n", "benchmark", "size", "us/op", "+-", "bytes/op"
    for (i = 1; i <= n; i++) { split(keys[i], k, ",")
      printf "%-24s %7s | %12.3f %10.3f | %12.0f\n", k[1], k[2], time[keys[i]], err[keys[i]], alloc[keys[i]] }
  }' "$CSV"
