#!/usr/bin/env bash
# JVM flag variants for bin/chatd, against each other, interleaved: every round starts each variant
# in turn (bin/chatd with CHATD_JAVA_OPTS, its own trained start-up cache), measures it, stops it.
# Per variant and round: start-up to the first /health 200; p50 at 1 connection and req/s and CPU
# µs/request at 64 connections, 160 B and 64 KiB bodies (wrk, against the nginx fake); a burst of
# BURST concurrent streams (StreamBurst, against a streaming fake that takes ~1 s per stream),
# then chatd's CPU each second for 15 s; peak (VmHWM) and end (VmRSS) RSS over all of it.
#
#   bench/jvm-flags.sh                       the default variants, 2 rounds (about 8 minutes)
#   BENCH_VARIANTS='base=;g1=-XX:-UseSerialGC -XX:+UseG1GC' BENCH_ROUNDS=3 bench/jvm-flags.sh
#
# A variant's options come after bin/chatd's own, so they add to or override them. Needs what
# bench/run.sh needs (JDK 21+ in JAVA_HOME, nginx, wrk) and the JARs it builds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
"$JAVA" -version 2>&1 | head -1 | grep -Eq '"(2[1-9]|[3-9][0-9])' || { echo "jvm-flags: needs a JDK 21+ in JAVA_HOME" >&2; exit 1; }
export PATH="$PATH:/usr/sbin"
JAR="$ROOT/server/target/chatd.jar"
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"
[ -f "$JAR" ] && [ -f "$BENCH_JAR" ] || { echo "jvm-flags: build first: ./mvnw -B -q package -pl server,benchmarks -am -DskipTests" >&2; exit 1; }
ROUNDS="${BENCH_ROUNDS:-2}"; DURATION="${BENCH_DURATION:-3}"; BURST="${BENCH_BURST:-1000}"; IDLE=15
VARIANTS="${BENCH_VARIANTS:-base=;coh=-XX:+UseCompactObjectHeaders;parallel=-XX:-UseSerialGC -XX:+UseParallelGC;g1=-XX:-UseSerialGC -XX:+UseG1GC;xmx128=-Xmx128m;xmx256=-Xmx256m;trim=-XX:+UseCompactObjectHeaders -XX:ReservedCodeCacheSize=48m -XX:MaxMetaspaceSize=128m -Xss512k}"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  [ -f "$WORK/fake.pid" ] && kill "$(cat "$WORK/fake.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() {
  local p
  while :; do p=$(( 20000 + RANDOM % 12000 )); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done
}
wait_http() { # url, seconds
  local i
  for ((i = 0; i < $2 * 100; i++)); do curl -fs -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.01; done
  return 1
}

FAKE=$(free_port); SLOW=$(free_port)
REPLY='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"openai/gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
mkdir -p "$WORK/fake"
cat > "$WORK/fake.conf" <<NGINX
worker_processes 1;
pid $WORK/fake.pid;
error_log $WORK/fake/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/fake/body;
  proxy_temp_path $WORK/fake/proxy; fastcgi_temp_path $WORK/fake/fastcgi; uwsgi_temp_path $WORK/fake/uwsgi; scgi_temp_path $WORK/fake/scgi;
  client_max_body_size 8m; client_body_buffer_size 128k; keepalive_requests 1000000;
  server { listen 127.0.0.1:$FAKE; location = /chat/completions { default_type application/json; return 200 '$REPLY'; } }
}
NGINX
nginx -c "$WORK/fake.conf" -p "$WORK/fake"
# 20 chunks 50 ms apart: each stream of the burst lasts about a second, so they overlap.
"$JAVA" "$ROOT/bench/StreamingFake.java" "$SLOW" 20 50 >"$WORK/slow.log" 2>&1 & PIDS+=($!)

body() { # bytes -> a chat request of about that size
  local size=$1 filler n per msgs="" i
  filler=$(head -c "$size" /dev/zero | tr '\0' 'a'); n=$(( size / 2000 + 1 )); per=$(( size / n ))
  for ((i = 0; i < n; i++)); do [ $i -gt 0 ] && msgs+=","; msgs+="{\"role\":\"user\",\"content\":\"${filler:0:$per}\"}"; done
  printf '{"model":"openrouter/openai/gpt-4o","messages":[%s],"stream":false}' "$msgs"
}
body 160 > "$WORK/body-160.json"; body 65536 > "$WORK/body-65536.json"
printf '{"model":"opencode/bench","messages":[{"role":"user","content":"hi"}],"stream":true}' > "$WORK/stream.json"
cat > "$WORK/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"; wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

start_chatd() { # name opts port -> CHATD_PID
  mkdir -p "$WORK/cache-$1"
  cat > "$WORK/chatd-$1.yaml" <<YAML
server: { host: 127.0.0.1, port: $3 }
chatd:
  providers:
    openrouter: { base-url: "http://127.0.0.1:$FAKE" }
    opencode: { base-url: "http://127.0.0.1:$SLOW", max-concurrent: 0 }
YAML
  CHATD_JAVA_OPTS="$2" CHATD_CACHE_DIR="$WORK/cache-$1" CHATD_JAR="$JAR" OPENROUTER_API_KEY=bench-key OPENCODE_API_KEY=bench-key \
    "$ROOT/bin/chatd" --config "$WORK/chatd-$1.yaml" >"$WORK/chatd-$1.log" 2>&1 &
  CHATD_PID=$!; PIDS+=("$CHATD_PID")
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wrk_run() { # url body conns -> "p50_ms rps requests"
  local out
  out=$(BODY_FILE="$WORK/body-$2.json" wrk -t"$([ "$3" = 1 ] && echo 1 || echo 2)" -c"$3" -d"${DURATION}s" --latency -s "$WORK/post.lua" "$1" 2>&1)
  awk '$1 == "50%" { v = $2; n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; p = n }
       /^Requests\/sec/ { r = $2 } /requests in/ { q = $1 } /Non-2xx|Socket errors/ { e = 1 }
       END { printf "%.3f %.0f %d %d\n", p, r, q, e }' <<<"$out"
}

declare -A R
IFS=';' read -ra VLIST <<<"$VARIANTS"
# Train every variant's start-up cache once (that start is not counted).
for v in "${VLIST[@]}"; do
  name=${v%%=*}; opts=${v#*=}; port=$(free_port)
  start_chatd "$name" "$opts" "$port"
  wait_http "http://127.0.0.1:$port/health" 60 || { echo "jvm-flags: $name did not start" >&2; cat "$WORK/chatd-$name.log" >&2; exit 1; }
  curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary "@$WORK/body-160.json" "http://127.0.0.1:$port/v1/chat/completions"
  kill "$CHATD_PID"; wait "$CHATD_PID" 2>/dev/null || true
done

for ((round = 1; round <= ROUNDS; round++)); do
  for v in "${VLIST[@]}"; do
    name=${v%%=*}; opts=${v#*=}; port=$(free_port); url="http://127.0.0.1:$port/v1/chat/completions"
    t0=$(date +%s%N); start_chatd "$name" "$opts" "$port"
    wait_http "http://127.0.0.1:$port/health" 60 || { echo "jvm-flags: $name did not start" >&2; continue; }
    R[$name,start]+="$(( ($(date +%s%N) - t0) / 1000000 )) "
    for size in 160 65536; do BODY_FILE="$WORK/body-$size.json" wrk -t2 -c16 -d2s -s "$WORK/post.lua" "$url" >/dev/null; done  # JIT warm-up
    for size in 160 65536; do
      read -r p50 _ _ e1 < <(wrk_run "$url" "$size" 1)
      c0=$(cpu_ticks "$CHATD_PID"); read -r _ rps n e2 < <(wrk_run "$url" "$size" 64); c1=$(cpu_ticks "$CHATD_PID")
      R[$name,p50_$size]+="$p50 "; R[$name,rps_$size]+="$rps "
      R[$name,cpu_$size]+="$(awk -v d=$((c1 - c0)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", d / hz / n * 1e6 }') "
      R[$name,err]+="$((e1 + e2)) "
    done
    burst=$("$JAVA" -XX:+UseSerialGC -cp "$BENCH_JAR" dev.chatd.bench.StreamBurst "$CHATD_PID" "$url" "$WORK/stream.json" "$BURST" "$IDLE" 2>&1 || true)
    R[$name,burst_err]+="$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$burst") "
    R[$name,burst_ms]+="$(sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<<"$burst") "
    R[$name,quiet]+="$(sed -n 's/^quiet_after_s=//p' <<<"$burst") "
    echo "round $round $name: $(tr '\n' ' ' <<<"$burst")" >&2
    if kill -0 "$CHATD_PID" 2>/dev/null; then
      R[$name,hwm]+="$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$CHATD_PID/status") "
      R[$name,rss]+="$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$CHATD_PID/status") "
      R[$name,anon]+="$(awk '/RssAnon/ { printf "%.0f", $2 / 1024 }' "/proc/$CHATD_PID/status") "
      kill "$CHATD_PID"; wait "$CHATD_PID" 2>/dev/null || true
    else
      R[$name,hwm]+="died "; R[$name,rss]+="died "; R[$name,anon]+="died "; tail -5 "$WORK/chatd-$name.log" >&2
    fi
  done
done

echo
echo "JVM flag variants — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $("$JAVA" -version 2>&1 | head -1); $ROUNDS interleaved rounds, values per round"
echo "bin/chatd's own flags first, then the variant's; wrk ${DURATION}s; burst of $BURST streams then ${IDLE}s idle (quiet = s until < 2% of a core; anon_mb = the end RSS less mapped files such as the start-up cache)"
printf '%-9s | %-11s | %-11s %-11s %-13s | %-11s %-11s %-13s | %-9s %-11s %-7s | %-9s %-9s %-9s | %s\n' \
  variant start_ms p50@160 rps@160 cpu_us@160 p50@64k rps@64k cpu_us@64k burst_err burst_ms quiet_s hwm_mb end_mb anon_mb errors
for v in "${VLIST[@]}"; do
  name=${v%%=*}
  printf '%-9s | %-11s | %-11s %-11s %-13s | %-11s %-11s %-13s | %-9s %-11s %-7s | %-9s %-9s %-9s | %s\n' "$name" \
    "${R[$name,start]:-}" "${R[$name,p50_160]:-}" "${R[$name,rps_160]:-}" "${R[$name,cpu_160]:-}" \
    "${R[$name,p50_65536]:-}" "${R[$name,rps_65536]:-}" "${R[$name,cpu_65536]:-}" \
    "${R[$name,burst_err]:-}" "${R[$name,burst_ms]:-}" "${R[$name,quiet]:-}" "${R[$name,hwm]:-}" "${R[$name,rss]:-}" "${R[$name,anon]:-}" "${R[$name,err]:-}"
done
for v in "${VLIST[@]}"; do echo "  ${v%%=*}: ${v#*=}"; done
