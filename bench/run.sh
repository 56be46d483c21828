#!/usr/bin/env bash
# chatd's benchmark: what the gateway adds to each call, against a direct call and two floors,
# a plain nginx reverse proxy and a bare Helidon pass-through (benchmarks/.../PassThrough: the
# stack chatd stands on, relaying bytes and nothing else), on this machine, in one run. Talks
# only to 127.0.0.1.
#
#   bench/run.sh            full run (about 8 minutes)
#   bench/run.sh --quick    smoke run (under a minute; what CI runs so the benchmark cannot rot)
#
# BENCH_SIZES overrides the request body sizes of a full run (default "160 65536").
# BENCH_CLIENTS=1 adds two more pass-throughs, the same Helidon WebServer relaying with the Jetty 12
# HTTP client (pt-jetty) and Apache HttpClient 5 classic (pt-apache) instead of Helidon's WebClient,
# measured interleaved with bare-helidon, and prints every round's figures (for ranges).
# BENCH_TARGETS="direct bare-helidon pt-jetty ..." measures only those targets (chatd still starts).
#
# Needs: a JDK 21+ in JAVA_HOME, nginx and wrk (Debian packages nginx-light and wrk; installed
# with apt-get when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
if [ $QUICK = 1 ]; then DURATION=1; ROUNDS=1; SIZES="160"; STARTS=1; TTFB_N=10; TTFB_WARM=3
else DURATION=4; ROUNDS=3; SIZES="${BENCH_SIZES:-160 65536}"; STARTS=5; TTFB_N=200; TTFB_WARM=30; fi

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"  # the JDK that runs chatd (bin/chatd) and the streaming fake
"$JAVA" -version 2>&1 | head -1 | grep -Eq '"(2[1-9]|[3-9][0-9])' || { echo "bench: needs a JDK 21+ in JAVA_HOME" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin" command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing $2" >&2
    (apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$2" >/dev/null 2>&1; }) \
      || { echo "bench: could not install $2" >&2; exit 1; }
  else
    echo "bench: needs $1 (Debian package $2)" >&2; exit 1
  fi
}
need wrk wrk
need nginx nginx-light
export PATH="$PATH:/usr/sbin"

JAR="$ROOT/server/target/chatd.jar"
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"   # the stream time-to-first-byte client
PT_JAR="$ROOT/benchmarks/target/passthrough.jar"     # the bare Helidon pass-through
if [ ! -f "$JAR" ]; then
  echo "bench: building chatd" >&2
  ./mvnw -B -q package -DskipTests >&2
fi
if [ ! -f "$BENCH_JAR" ] || [ ! -f "$PT_JAR" ] || [ -n "$(find benchmarks/src benchmarks/pom.xml -newer "$PT_JAR" 2>/dev/null)" ]; then
  echo "bench: building the pass-through and the stream client" >&2
  ./mvnw -B -q package -pl benchmarks -am -DskipTests -Djacoco.skip=true >&2
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for n in fake proxy; do [ -f "$WORK/$n.pid" ] && kill "$(cat "$WORK/$n.pid")" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { # below Linux's ephemeral range (32768+), so no outgoing connection can take it meanwhile
  local p
  while :; do
    p=$(( 20000 + RANDOM % 12000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
wait_port() { # port, seconds
  local i
  for ((i = 0; i < $2 * 100; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.01
  done
  echo "bench: nothing listens on $1" >&2
  exit 1
}
wait_http() { # url, seconds
  local i
  for ((i = 0; i < $2 * 100; i++)); do
    curl -fs -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.01
  done
  echo "bench: $1 did not come up" >&2
  [ -f "$WORK/chatd.log" ] && tail -20 "$WORK/chatd.log" >&2
  exit 1
}

FAKE=$(free_port); PROXY=$(free_port); STREAM=$(free_port); PROXY_STREAM=$(free_port); PT=$(free_port); PT_STREAM=$(free_port)
PTJ=$(free_port); PTJ_STREAM=$(free_port); PTA=$(free_port); PTA_STREAM=$(free_port)
CLIENTS="${BENCH_CLIENTS:-0}"
OPENAI_REPLY='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"openai/gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
OLLAMA_REPLY='{"model":"llama3.2","created_at":"2026-11-24T00:00:00Z","message":{"role":"assistant","content":"Hello! How can I help you today?"},"done":true,"done_reason":"stop","total_duration":1000,"prompt_eval_count":12,"eval_count":9}'

# Two nginx instances, each with one worker: the fake upstream and the reverse proxy, so that the
# proxy's CPU per request is its own (as chatd's and the pass-through's are).
nginx_conf() { # name, server blocks
  mkdir -p "$WORK/$1"
  cat > "$WORK/$1.conf" <<NGINX
worker_processes 1;
pid $WORK/$1.pid;
error_log $WORK/$1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/$1/body;
  proxy_temp_path $WORK/$1/proxy;
  fastcgi_temp_path $WORK/$1/fastcgi;
  uwsgi_temp_path $WORK/$1/uwsgi;
  scgi_temp_path $WORK/$1/scgi;
  client_max_body_size 8m;
  client_body_buffer_size 128k;
  keepalive_requests 1000000;
$2
}
NGINX
  nginx -c "$WORK/$1.conf" -p "$WORK/$1"
}
nginx_conf fake "
  server {
    listen 127.0.0.1:$FAKE;
    location = /chat/completions { default_type application/json; return 200 '$OPENAI_REPLY'; }
    location = /api/chat { default_type application/json; return 200 '$OLLAMA_REPLY'; }
    location = /api/version { default_type application/json; return 200 '{\"version\":\"0.5.1\"}'; }
  }"
nginx_conf proxy "
  upstream fake { server 127.0.0.1:$FAKE; keepalive 128; }
  upstream stream { server 127.0.0.1:$STREAM; keepalive 128; }
  server {
    listen 127.0.0.1:$PROXY;
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }
  server {
    listen 127.0.0.1:$PROXY_STREAM;
    location / {
      proxy_pass http://stream;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_buffering off;
    }
  }"
# 5 chunks 2 ms apart: the first token is what is measured, the rest only has to end the stream.
"$JAVA" "$ROOT/bench/StreamingFake.java" "$STREAM" 5 2 >"$WORK/stream.log" 2>&1 & PIDS+=($!)
# The burst's upstream: 20 chunks 50 ms apart, so that each stream lasts about a second and the
# burst's streams are all open at once.
SLOW=$(free_port)
"$JAVA" "$ROOT/bench/StreamingFake.java" "$SLOW" 20 50 >"$WORK/slow.log" 2>&1 & PIDS+=($!)

# chatd runs as the README starts it: bin/chatd (serial GC, bounded heap, a start-up cache that
# the first start trains; here that first start is not counted).
start_chatd() { # port -> sets CHATD_PID
  cat > "$WORK/chatd.yaml" <<YAML
server:
  host: 127.0.0.1
  port: $1
chatd:
  providers:
    ollama:
      base-url: http://127.0.0.1:$FAKE
    openrouter:
      base-url: http://127.0.0.1:$FAKE
    opencode:
      base-url: http://127.0.0.1:$STREAM
    kimi:
      base-url: http://127.0.0.1:$SLOW
      max-concurrent: 0
YAML
  CHATD_CACHE_DIR="$WORK" CHATD_JAR="$JAR" OPENROUTER_API_KEY=bench-key OPENCODE_API_KEY=bench-key KIMI_API_KEY=bench-key \
    "$ROOT/bin/chatd" --config "$WORK/chatd.yaml" >"$WORK/chatd.log" 2>&1 &
  CHATD_PID=$!
  PIDS+=("$CHATD_PID")
}

# ---- start-up: java -jar to the first 200 on /health ----
STARTUP=()
for ((i = 0; i <= STARTS; i++)); do   # start 0 trains the start-up cache and is not counted
  port=$(free_port)
  t0=$(date +%s%N)
  start_chatd "$port"
  wait_http "http://127.0.0.1:$port/health" 30
  t1=$(date +%s%N)
  [ $i -gt 0 ] && STARTUP+=($(( (t1 - t0) / 1000000 )))
  curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"model":"llama3.2","messages":[{"role":"user","content":"hi"}]}' \
    "http://127.0.0.1:$port/chat" || true
  kill "$CHATD_PID"; wait "$CHATD_PID" 2>/dev/null || true
done

CHATD=$(free_port)
start_chatd "$CHATD"
wait_http "http://127.0.0.1:$CHATD/health" 30
wait_http "http://127.0.0.1:$FAKE/api/version" 5
wait_port "$STREAM" 30

# The bare Helidon pass-through starts as chatd does, through bin/chatd (same JVM flags, its own
# start-up cache, trained by a first start that is not measured): one listener to the fake, one
# to the streaming fake.
start_pt() { # client port stream-port -> sets STARTED_PID
  mkdir -p "$WORK/pt-$1"
  CHATD_CACHE_DIR="$WORK/pt-$1" CHATD_JAR="$PT_JAR" "$ROOT/bin/chatd" --client="$1" \
    "$2=http://127.0.0.1:$FAKE" "$3=http://127.0.0.1:$STREAM" >"$WORK/pt-$1.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  wait_port "$2" 30
}
trained_pt() { # client port stream-port -> sets STARTED_PID (the first start trains the cache)
  start_pt "$@"
  curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"model":"x","messages":[]}' "http://127.0.0.1:$2/chat/completions" || true
  kill "$STARTED_PID"; wait "$STARTED_PID" 2>/dev/null || true
  start_pt "$@"
}
trained_pt helidon "$PT" "$PT_STREAM"; PT_PID=$STARTED_PID
if [ "$CLIENTS" = 1 ]; then
  trained_pt jetty "$PTJ" "$PTJ_STREAM"; PTJ_PID=$STARTED_PID
  trained_pt apache "$PTA" "$PTA_STREAM"; PTA_PID=$STARTED_PID
fi

# ---- request bodies ----
body() { # model, bytes -> a chat request of about that size
  local model=$1 size=$2 filler
  filler=$(head -c "$size" /dev/zero | tr '\0' 'a')
  local n=$(( size / 2000 + 1 )) per=$(( size / (size / 2000 + 1) ))
  local msgs="" i
  for ((i = 0; i < n; i++)); do
    [ $i -gt 0 ] && msgs+=","
    if (( i % 2 == 0 )); then msgs+="{\"role\":\"user\",\"content\":\"${filler:0:$per}\"}"
    else msgs+="{\"role\":\"assistant\",\"content\":\"${filler:0:$per}\"}"; fi
  done
  printf '{"model":"%s","messages":[%s],"temperature":0.2}' "$model" "$msgs"
}
cat > "$WORK/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA

TARGETS="direct nginx bare-helidon chatd-v1 chatd-chat chatd-api"
[ "$CLIENTS" = 1 ] && TARGETS="direct nginx bare-helidon pt-jetty pt-apache chatd-v1 chatd-chat chatd-api"
[ -n "${BENCH_TARGETS:-}" ] && TARGETS="$BENCH_TARGETS"
url_of() {
  case $1 in
    direct) echo "http://127.0.0.1:$FAKE/chat/completions" ;;
    nginx) echo "http://127.0.0.1:$PROXY/chat/completions" ;;
    bare-helidon) echo "http://127.0.0.1:$PT/chat/completions" ;;
    pt-jetty) echo "http://127.0.0.1:$PTJ/chat/completions" ;;
    pt-apache) echo "http://127.0.0.1:$PTA/chat/completions" ;;
    chatd-v1) echo "http://127.0.0.1:$CHATD/v1/chat/completions" ;;
    chatd-chat) echo "http://127.0.0.1:$CHATD/chat" ;;
    chatd-api) echo "http://127.0.0.1:$CHATD/api/chat" ;;
  esac
}
model_of() { case $1 in chatd-api) echo "llama3.2" ;; *) echo "openrouter/openai/gpt-4o" ;; esac; }
for size in $SIZES; do
  for t in $TARGETS; do
    body "$(model_of "$t")" "$size" | sed 's/"temperature":0.2}$/"temperature":0.2,"stream":false}/' > "$WORK/body-$t-$size.json"
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$WORK/body-$t-$size.json" "$(url_of "$t")")
    [ "$code" = 200 ] || { echo "bench: $t answered $code for a $size B body" >&2; cat "$WORK/chatd.log" >&2; exit 1; }
  done
done

# Warm-up: the JIT compiles the request path before anything is measured.
for size in $SIZES; do
  for t in $TARGETS; do
    case $t in direct|nginx) continue ;; esac
    BODY_FILE="$WORK/body-$t-$size.json" wrk -t2 -c16 -d"$([ $QUICK = 1 ] && echo 1 || echo 5)s" -s "$WORK/post.lua" "$(url_of "$t")" >/dev/null
  done
done

to_ms() { # wrk latency (e.g. 123.45us, 1.20ms, 2.00s) -> ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
pids_of() { # target -> the processes that serve it (nginx: master and worker)
  case $1 in
    direct) echo "$(cat "$WORK/fake.pid") $(pgrep -P "$(cat "$WORK/fake.pid")" | tr '\n' ' ')" ;;
    nginx) echo "$(cat "$WORK/proxy.pid") $(pgrep -P "$(cat "$WORK/proxy.pid")" | tr '\n' ' ')" ;;
    bare-helidon) echo "$PT_PID" ;;
    pt-jetty) echo "$PTJ_PID" ;;
    pt-apache) echo "$PTA_PID" ;;
    *) echo "$CHATD_PID" ;;
  esac
}
cpu_ticks() { # target
  local p; for p in $(pids_of "$1"); do cat "/proc/$p/stat"; done | awk '{ s += $14 + $15 } END { print s }'
}
rss_mb() { # target
  local p; for p in $(pids_of "$1"); do cat "/proc/$p/status"; done | awk '/VmRSS/ { s += $2 } END { printf "%.0f", s / 1024 }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A P50 P90 P99 RPS TP99 CPU RSS ERR
run_wrk() { # target size connections -> fills R_*
  local out
  out=$(BODY_FILE="$WORK/body-$1-$2.json" wrk -t"$([ "$3" = 1 ] && echo 1 || echo 2)" -c"$3" -d"${DURATION}s" --latency \
        -s "$WORK/post.lua" "$(url_of "$1")" 2>&1)
  R_P50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  R_P90=$(to_ms "$(awk '$1 == "90%" { print $2 }' <<<"$out")")
  R_P99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  R_RPS=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
  R_REQ=$(awk '/requests in/ { print $1 }' <<<"$out")
  R_ERR=$(awk '/Non-2xx/ { print $NF } /Socket errors/ { s = 0; for (i = 3; i <= NF; i += 2) s += $i; print s }' <<<"$out" | awk '{ s += $1 } END { print s + 0 }')
}

for ((round = 1; round <= ROUNDS; round++)); do
  for size in $SIZES; do
    for t in $TARGETS; do               # interleaved: A B C A B C cancels machine drift
      run_wrk "$t" "$size" 1
      P50[$t,$size]+="$R_P50 "; P90[$t,$size]+="$R_P90 "; P99[$t,$size]+="$R_P99 "
      ERR[$t,$size]=$(( ${ERR[$t,$size]:-0} + R_ERR ))
      c0=$(cpu_ticks "$t")
      run_wrk "$t" "$size" 64
      c1=$(cpu_ticks "$t")
      RPS[$t,$size]+="$R_RPS "; TP99[$t,$size]+="$R_P99 "
      ERR[$t,$size]=$(( ${ERR[$t,$size]:-0} + R_ERR ))
      CPU[$t,$size]+="$(awk -v d=$((c1 - c0)) -v n="$R_REQ" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", d / hz / n * 1e6 }') "
      RSS[$t,$size]+="$(rss_mb "$t") "
    done
  done
done

# ---- time to the first token of a stream, every target interleaved on one kept-alive connection ----
# The streaming fake sends its headers and first chunk in one write; StreamFirstByte notes the
# first body byte and the first byte of the first token's text, per request, without a process
# start in between (see its Javadoc).
printf '{"model":"opencode/bench","messages":[{"role":"user","content":"hi"}],"stream":true}' > "$WORK/s-openai.json"
printf '{"model":"opencode/bench","messages":[{"role":"user","content":"hi"}],"stream":true}' > "$WORK/s-ollama.json"
printf '{"model":"opencode/bench","max_tokens":64,"messages":[{"role":"user","content":"hi"}],"stream":true}' > "$WORK/s-anthropic.json"
printf '{"model":"opencode/bench","input":"hi","stream":true}' > "$WORK/s-responses.json"
STREAM_TARGETS=(
  "direct=http://127.0.0.1:$STREAM/chat/completions=$WORK/s-openai.json"
  "nginx=http://127.0.0.1:$PROXY_STREAM/chat/completions=$WORK/s-openai.json"
  "bare-helidon=http://127.0.0.1:$PT_STREAM/chat/completions=$WORK/s-openai.json"
  "chatd-v1=http://127.0.0.1:$CHATD/v1/chat/completions=$WORK/s-openai.json"
  "chatd-chat=http://127.0.0.1:$CHATD/chat=$WORK/s-openai.json"
  "chatd-api=http://127.0.0.1:$CHATD/api/chat=$WORK/s-ollama.json"
  "chatd-msgs=http://127.0.0.1:$CHATD/v1/messages=$WORK/s-anthropic.json"
  "chatd-resp=http://127.0.0.1:$CHATD/v1/responses=$WORK/s-responses.json"
)
if [ "$CLIENTS" = 1 ]; then
  STREAM_TARGETS+=("pt-jetty=http://127.0.0.1:$PTJ_STREAM/chat/completions=$WORK/s-openai.json"
                   "pt-apache=http://127.0.0.1:$PTA_STREAM/chat/completions=$WORK/s-openai.json")
fi
if [ -n "${BENCH_TARGETS:-}" ]; then
  KEPT=()
  for st in "${STREAM_TARGETS[@]}"; do [[ " $BENCH_TARGETS " == *" ${st%%=*} "* ]] && KEPT+=("$st"); done
  STREAM_TARGETS=("${KEPT[@]}")
fi
"$JAVA" -XX:+UseSerialGC -cp "$BENCH_JAR" dev.chatd.bench.StreamFirstByte "$TTFB_N" "$TTFB_WARM" "${STREAM_TARGETS[@]}" \
  > "$WORK/ttfb.txt" || { echo "bench: the stream time-to-first-byte run failed" >&2; tail -20 "$WORK/chatd.log" >&2; exit 1; }
declare -A TTFB_B50 TTFB_T50 TTFB_T90
while read -r name b50 _b90 t50 t90 _n; do
  TTFB_B50[$name]=$b50; TTFB_T50[$name]=$t50; TTFB_T90[$name]=$t90
done < "$WORK/ttfb.txt"

# ---- a burst of streams, then idle: chatd's CPU each second after the burst ends ----
# StreamBurst opens BURST connections at once, each a streamed /v1/chat/completions of about a
# second, then samples chatd's utime+stime each second for 15 s.
BURST=$([ $QUICK = 1 ] && echo 100 || echo 1000)
printf '{"model":"kimi/bench","messages":[{"role":"user","content":"hi"}],"stream":true}' > "$WORK/s-burst.json"
"$JAVA" -XX:+UseSerialGC -cp "$BENCH_JAR" dev.chatd.bench.StreamBurst "$CHATD_PID" "http://127.0.0.1:$CHATD/v1/chat/completions" \
  "$WORK/s-burst.json" "$BURST" "$([ $QUICK = 1 ] && echo 3 || echo 15)" > "$WORK/burst.txt" \
  || { echo "bench: the stream burst failed" >&2; tail -20 "$WORK/chatd.log" >&2; exit 1; }

# ---- the table ----
echo
echo "chatd benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $("$JAVA" -version 2>&1 | head -1)"
echo "wrk ${DURATION}s per run, $ROUNDS interleaved rounds (medians); chatd and bare-helidon started by bin/chatd"
echo
printf '%-12s %7s | %9s %9s %9s | %9s %9s | %10s %9s | %8s %7s | %s\n' target body p50_ms p90_ms p99_ms add_p50 add_p99 rps_64c p99_64c cpu_us rss_mb errors
for size in $SIZES; do
  d50=$(median ${P50[direct,$size]}); d99=$(median ${P99[direct,$size]})
  for t in $TARGETS; do
    p50=$(median ${P50[$t,$size]}); p90=$(median ${P90[$t,$size]}); p99=$(median ${P99[$t,$size]})
    printf '%-12s %7s | %9s %9s %9s | %9s %9s | %10s %9s | %8s %7s | %s\n' "$t" "$size" "$p50" "$p90" "$p99" \
      "$(awk -v a="$p50" -v b="$d50" 'BEGIN { printf "%+.3f", a - b }')" \
      "$(awk -v a="$p99" -v b="$d99" 'BEGIN { printf "%+.3f", a - b }')" \
      "$(median ${RPS[$t,$size]})" "$(median ${TP99[$t,$size]})" \
      "$(median ${CPU[$t,$size]})" "$(median ${RSS[$t,$size]})" \
      "${ERR[$t,$size]}"
  done
done
echo
echo "start-up, java -jar to first /health 200 (ms): median $(median "${STARTUP[@]}") of ${#STARTUP[@]}: ${STARTUP[*]}"
echo "burst of $BURST streams (${BURST} at once, ~1 s each), then idle: $(sed -n 's/^burst //p' "$WORK/burst.txt");" \
  "chatd's CPU each second after it (% of a core): $(sed -n 's/^idle //p' "$WORK/burst.txt");" \
  "under 2% of a core from second $(sed -n 's/^quiet_after_s=//p' "$WORK/burst.txt") on"
echo "chatd RSS after the run (bodies of ${SIZES// / and } B and the burst included): $(rss_mb chatd) MB, peak $(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$CHATD_PID/status") MB;" \
  "bare-helidon $(rss_mb bare-helidon) MB, peak $(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$PT_PID/status") MB"

# ---- the summary: one row per target, the figures issue 15 sets targets for ----
echo
echo "summary (p50 at 1 connection; req/s, CPU per request and RSS at 64 connections; stream: time to first token, $TTFB_N requests each, and to first body byte)"
head_row=$(printf '%-12s |' target)
for size in $SIZES; do head_row+=$(printf ' %9s' "p50@$size"); done; head_row+=" |"
for size in $SIZES; do head_row+=$(printf ' %10s' "rps@$size"); done; head_row+=" |"
for size in $SIZES; do head_row+=$(printf ' %9s' "cpu@$size"); done
head_row+=$(printf ' | %8s %8s %8s | %6s' ttft_p50 ttft_p90 ttfb_p50 rss_mb)
echo "$head_row"
SUMMARY_TARGETS="$TARGETS chatd-msgs chatd-resp"
[ -n "${BENCH_TARGETS:-}" ] && SUMMARY_TARGETS="$TARGETS"
for t in $SUMMARY_TARGETS; do
  row=$(printf '%-12s |' "$t")
  for size in $SIZES; do row+=$(printf ' %9s' "$( [ -n "${P50[$t,$size]:-}" ] && median ${P50[$t,$size]} || echo -)"); done; row+=" |"
  for size in $SIZES; do row+=$(printf ' %10s' "$( [ -n "${RPS[$t,$size]:-}" ] && median ${RPS[$t,$size]} || echo -)"); done; row+=" |"
  for size in $SIZES; do row+=$(printf ' %9s' "$( [ -n "${CPU[$t,$size]:-}" ] && median ${CPU[$t,$size]} || echo -)"); done
  rss=-
  [[ " $TARGETS " == *" $t "* ]] && rss=$(for size in $SIZES; do median ${RSS[$t,$size]}; done | sort -g | tail -1)
  row+=$(printf ' | %8s %8s %8s | %6s' "${TTFB_T50[$t]:--}" "${TTFB_T90[$t]:--}" "${TTFB_B50[$t]:--}" "$rss")
  echo "$row"
done

if [ "$CLIENTS" = 1 ]; then
  echo
  echo "every round (for ranges): p50 at 1 connection (ms), req/s and CPU us/request at 64 connections"
  for size in $SIZES; do
    for t in $TARGETS; do
      printf '%-12s %7s | p50 %-24s | rps %-30s | cpu %s\n' "$t" "$size" "${P50[$t,$size]}" "${RPS[$t,$size]}" "${CPU[$t,$size]}"
    done
  done
fi
