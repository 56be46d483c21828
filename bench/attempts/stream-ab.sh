#!/usr/bin/env bash
# A/B: old vs new chatd JAR, stream first token, interleaved. usage: ab.sh OLDJAR NEWJAR ROUNDS SAMPLES
set -u
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 PATH=/usr/lib/jvm/temurin-25-jdk-amd64/bin:$PATH
ROOT=$(cd "$(dirname "$0")/../.." && pwd); W=${WORK:-/tmp/stream-ab}; rm -rf $W; mkdir -p $W/old $W/new
OLD=$1 NEW=$2 ROUNDS=${3:-3} N=${4:-300}
STREAM=18931; PO=18932; PN=18933
java $ROOT/bench/StreamingFake.java $STREAM 5 2 > $W/fake.log 2>&1 & FAKE=$!
start() { # dir jar port
cat > $W/$1/chatd.yaml <<Y
server:
  host: 127.0.0.1
  port: $3
chatd:
  providers:
    opencode:
      base-url: http://127.0.0.1:$STREAM
Y
CHATD_CACHE_DIR=$W/$1 CHATD_JAR=$2 OPENCODE_API_KEY=bench-key $ROOT/bin/chatd --config $W/$1/chatd.yaml > $W/$1/chatd.log 2>&1 &
echo $!
}
wait_up() { for i in $(seq 1 100); do curl -sf -o /dev/null http://127.0.0.1:$1/health && return; sleep 0.2; done; echo "not up $1"; }
# train the caches once
O=$(start old $OLD $PO); N1=$(start new $NEW $PN); wait_up $PO; wait_up $PN; kill $O $N1; wait $O $N1 2>/dev/null
O=$(start old $OLD $PO); N1=$(start new $NEW $PN); wait_up $PO; wait_up $PN
printf '{"model":"opencode/bench","messages":[{"role":"user","content":"hi"}],"stream":true}' > $W/s.json
for r in $(seq 1 $ROUNDS); do
  java -XX:+UseSerialGC -cp ${BENCH_JAR:-$ROOT/benchmarks/target/benchmarks.jar} dev.chatd.bench.StreamFirstByte $N 100 \
    direct=http://127.0.0.1:$STREAM/chat/completions=$W/s.json \
    old-v1=http://127.0.0.1:$PO/v1/chat/completions=$W/s.json new-v1=http://127.0.0.1:$PN/v1/chat/completions=$W/s.json \
    old-chat=http://127.0.0.1:$PO/chat=$W/s.json new-chat=http://127.0.0.1:$PN/chat=$W/s.json \
    old-api=http://127.0.0.1:$PO/api/chat=$W/s.json new-api=http://127.0.0.1:$PN/api/chat=$W/s.json | sed "s/^/round$r /"
done
kill $O $N1 $FAKE; wait 2>/dev/null
