#!/usr/bin/env bash
# JFR profiles of chatd (issue 15): wrk at 160 B and 64 KiB (64 connections, 20 s each after 8 s of warm-up)
# to /v1/chat/completions through the nginx fake, and 1,500 streams (StreamFirstByte) to the streaming fake,
# each recorded with profile.jfc plus 2 ms execution samples and zero-threshold socket and park events.
# Needs server/target/chatd.jar and benchmarks/target/benchmarks.jar, nginx and wrk, a JDK 25 in JAVA_HOME.
# Then: python3 bench/jfr-frames.py $OUT/chatd-160.jfr cpu cpu2 alloc   (and timeline STREAM_PORT for the stream).
set -euo pipefail
export PATH="${JAVA_HOME:+$JAVA_HOME/bin:}$PATH:/usr/sbin"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"; OUT="${OUT:-$ROOT/benchmarks/target/profile}"; mkdir -p "$OUT"
WORK=$(mktemp -d); PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; [ -f "$WORK/fake.pid" ] && kill "$(cat "$WORK/fake.pid")" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
FAKE=${FAKE_PORT:-24111}; STREAM=${STREAM_PORT:-24112}; CHATD=${CHATD_PORT:-24113}
REPLY='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"openai/gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
mkdir -p "$WORK/fake"
cat > "$WORK/fake.conf" <<NGINX
worker_processes 1; pid $WORK/fake.pid; error_log $WORK/fake/error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $WORK/fake/body; proxy_temp_path $WORK/fake/proxy; fastcgi_temp_path $WORK/fake/f; uwsgi_temp_path $WORK/fake/u; scgi_temp_path $WORK/fake/s;
  client_max_body_size 8m; client_body_buffer_size 128k; keepalive_requests 1000000;
  server { listen 127.0.0.1:$FAKE; location = /chat/completions { default_type application/json; return 200 '$REPLY'; } } }
NGINX
nginx -c "$WORK/fake.conf" -p "$WORK/fake"
java "$ROOT/bench/StreamingFake.java" "$STREAM" 5 2 >"$WORK/stream.log" 2>&1 & PIDS+=($!)
cat > "$WORK/chatd.yaml" <<YAML
server:
  host: 127.0.0.1
  port: $CHATD
chatd:
  providers:
    openrouter:
      base-url: http://127.0.0.1:$FAKE
    opencode:
      base-url: http://127.0.0.1:$STREAM
YAML
start() { CHATD_CACHE_DIR="$WORK" OPENROUTER_API_KEY=bench-key OPENCODE_API_KEY=bench-key CHATD_JAR="$ROOT/server/target/chatd.jar" \
  "$ROOT/bin/chatd" --config "$WORK/chatd.yaml" >"$WORK/chatd.log" 2>&1 & CPID=$!; PIDS+=($CPID)
  for i in $(seq 300); do curl -fs -o /dev/null "http://127.0.0.1:$CHATD/health" && return; sleep 0.1; done; echo "no chatd"; cat "$WORK/chatd.log"; exit 1; }
body() { local model=$1 size=$2 filler; filler=$(head -c "$size" /dev/zero | tr '\0' 'a')
  local n=$(( size / 2000 + 1 )) per=$(( size / (size / 2000 + 1) )) msgs="" i
  for ((i = 0; i < n; i++)); do [ $i -gt 0 ] && msgs+=","
    if (( i % 2 == 0 )); then msgs+="{\"role\":\"user\",\"content\":\"${filler:0:$per}\"}"; else msgs+="{\"role\":\"assistant\",\"content\":\"${filler:0:$per}\"}"; fi; done
  printf '{"model":"%s","messages":[%s],"temperature":0.2,"stream":false}' "$model" "$msgs"; }
cat > "$WORK/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BODY_FILE"), "rb")); wrk.method = "POST"; wrk.body = f:read("*a"); f:close()
wrk.headers["Content-Type"] = "application/json"
LUA
for s in 160 65536; do body openrouter/openai/gpt-4o $s > "$WORK/b$s.json"; done
start; curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary @"$WORK/b160.json" "http://127.0.0.1:$CHATD/v1/chat/completions"
kill $CPID; wait $CPID 2>/dev/null || true
start   # with the trained start-up cache, as bench/run.sh
jfr configure --input profile jdk.ExecutionSample#period=2ms jdk.ObjectAllocationSample#throttle=300/s \
  jdk.ThreadPark#threshold=0ms jdk.SocketRead#threshold=0ms jdk.SocketWrite#threshold=0ms \
  jdk.VirtualThreadPinned#threshold=0ms jdk.JavaMonitorWait#threshold=0ms --output "$WORK/load.jfc" >/dev/null
cp "$WORK/load.jfc" "$OUT/settings.jfc"
URL="http://127.0.0.1:$CHATD/v1/chat/completions"
for s in 160 65536; do
  BODY_FILE="$WORK/b$s.json" wrk -t2 -c64 -d8s -s "$WORK/post.lua" "$URL" >/dev/null
  jcmd $CPID JFR.start name=c$s settings="$WORK/load.jfc" >/dev/null
  BODY_FILE="$WORK/b$s.json" wrk -t2 -c64 -d20s --latency -s "$WORK/post.lua" "$URL" > "$OUT/wrk-$s.txt"
  jcmd $CPID JFR.stop name=c$s filename="$OUT/chatd-$s.jfr" >/dev/null
done
printf '{"model":"opencode/bench","messages":[{"role":"user","content":"hi"}],"stream":true}' > "$WORK/s.json"
java -cp "$ROOT/benchmarks/target/benchmarks.jar" dev.chatd.bench.StreamFirstByte 300 100 \
  "direct=http://127.0.0.1:$STREAM/chat/completions=$WORK/s.json" "chatd-v1=$URL=$WORK/s.json" >/dev/null
jcmd $CPID JFR.start name=st settings="$WORK/load.jfc" >/dev/null
java -XX:+UseSerialGC -cp "$ROOT/benchmarks/target/benchmarks.jar" dev.chatd.bench.StreamFirstByte 1500 0 \
  "direct=http://127.0.0.1:$STREAM/chat/completions=$WORK/s.json" "chatd-v1=$URL=$WORK/s.json" > "$OUT/ttfb.txt"
jcmd $CPID JFR.stop name=st filename="$OUT/chatd-stream.jfr" >/dev/null
cat "$OUT/ttfb.txt"; grep -h 'Requests/sec' "$OUT"/wrk-*.txt
