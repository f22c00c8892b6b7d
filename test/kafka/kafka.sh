#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM)
# for tests. No Docker and no Kafka tarball source on CI machines, so the
# broker jars come from Maven Central via mvn, once, into a cache.
#
# Usage: test/kafka/kafka.sh start|stop|restart|status
#   KAFKA_VERSION          broker version            (default 4.1.2)
#   KAFKA_PORT             client port on 127.0.0.1   (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port      (default KAFKA_PORT+1)
#   KAFKA_DATA             data dir: log.dirs, broker.log, broker.pid
#                          (default /tmp/sr-kafka-data)
#   KAFKA_CACHE            jar cache                  (default ~/.cache/sr-kafka)
#   KAFKA_HEAP_OPTS        JVM heap                   (default -Xms256m -Xmx512m)
#   KAFKA_CLEAN=1          stop also deletes the data dir
# The data dir remembers the controller port (it is in the formatted quorum),
# so use a fresh KAFKA_DATA when changing ports.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
version=${KAFKA_VERSION:-4.1.2}
port=${KAFKA_PORT:-9092}
cport=${KAFKA_CONTROLLER_PORT:-$((port + 1))}
data=${KAFKA_DATA:-/tmp/sr-kafka-data}
cache=${KAFKA_CACHE:-$HOME/.cache/sr-kafka}/$version
libs=$cache/libs
pidfile=$data/broker.pid
log=$data/broker.log
conf=$data/server.properties

log() { echo "kafka.sh: $*" >&2; }

# Running = the pid file names a live process that is really our broker
# (guards against a stale pid file whose pid was reused).
running() {
  [[ -f $pidfile ]] || return 1
  local pid; pid=$(<"$pidfile")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
    grep -qa 'kafka\.Kafka' "/proc/$pid/cmdline" 2>/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The jars are resolved into a temp dir and renamed only when complete, so an
# interrupted download is retried next time instead of leaving a broken
# classpath; once there, no network is needed.
fetch() {
  [[ -d $libs ]] && return 0
  log "fetching Kafka $version and its dependencies from Maven Central into $libs"
  mkdir -p "$cache"
  local tmp="$libs.tmp.$$"
  rm -rf "$tmp"
  # mvn's output is noise unless it fails.
  mvn -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$version" -DincludeScope=runtime -DoutputDirectory="$tmp" \
    >"$cache/mvn.log" 2>&1 || { tail -n 40 "$cache/mvn.log" >&2; rm -rf "$tmp"; exit 1; }
  mv "$tmp" "$libs"
}

java_cp() { java -cp "$libs/*" -Dlog4j2.configurationFile="$data/log4j2.properties" "$@"; }

write_config() {
  mkdir -p "$data"
  # Regenerated on every start so a changed script takes effect; the
  # persistent state lives in $data/logs only.
  cat >"$conf" <<CONF
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
# Kafka 4.x dynamic quorum (KIP-853): bootstrap servers + format --standalone.
controller.quorum.bootstrap.servers=127.0.0.1:$cport
log.dirs=$data/logs
num.partitions=1
# One node: internal topics cannot have more than one replica.
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Tests should not wait 3 s for consumer groups to settle.
group.initial.rebalance.delay.ms=0
# Topics are created explicitly, as a real deployment would.
auto.create.topics.enable=false
CONF
  # Plain console logging at INFO; stdout goes to $log.
  cat >"$data/log4j2.properties" <<'L4J'
rootLogger.level=INFO
rootLogger.appenderRef.out.ref=out
appender.out.type=Console
appender.out.name=out
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.state.name=state.change.logger
logger.state.level=WARN
L4J
}

start() {
  if running; then log "already running (pid $(<"$pidfile"))"; return 0; fi
  if port_open "$port"; then log "port $port is taken by another process"; exit 1; fi
  fetch
  write_config
  # A fresh log per start: the readiness check greps it for this run's
  # "started" line, and a failure tail should show only this run.
  if [[ -f $log ]]; then mv -f "$log" "$log.prev"; fi
  # Format only once: formatting again would wipe the cluster identity and
  # tests rely on data surviving a restart.
  if [[ ! -f $data/logs/meta.properties ]]; then
    local id; id=$(java_cp kafka.tools.StorageTool random-uuid)
    java_cp kafka.tools.StorageTool format -t "$id" -c "$conf" --standalone >>"$log" 2>&1 ||
      { tail -n 30 "$log" >&2; exit 1; }
  fi
  # nohup+& (not setsid) so $! is the java pid itself.
  # shellcheck disable=SC2086
  nohup java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$data/log4j2.properties" \
    -cp "$libs/*" kafka.Kafka "$conf" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  # Ready = the port accepts connections and the broker logged that it has
  # finished starting (the socket opens a little before requests are served).
  local deadline=$((SECONDS + 90))
  while ((SECONDS < deadline)); do
    # Only "alive" here: right after the fork the child may not have
    # exec'd java yet, so its command line is still this shell's.
    if ! kill -0 "$(<"$pidfile")" 2>/dev/null; then log "broker exited during start; end of $log:"; tail -n 40 "$log" >&2; exit 1; fi
    if port_open "$port" && grep -q 'Kafka Server started' "$log"; then
      log "started Kafka $version on 127.0.0.1:$port (pid $(<"$pidfile"), data $data)"; return 0
    fi
    sleep 0.3
  done
  log "broker not up after 90 s; end of $log:"; tail -n 40 "$log" >&2
  stop; exit 1
}

stop() {
  if running; then
    local pid; pid=$(<"$pidfile")
    kill -TERM "$pid"
    # SIGTERM lets the broker close its logs cleanly (no recovery on restart).
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then log "still up after 20 s, SIGKILL"; kill -KILL "$pid"; fi
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    log "stopped (pid $pid)"
  fi
  rm -f "$pidfile"
  if [[ ${KAFKA_CLEAN:-0} == 1 ]]; then rm -rf "$data"; log "removed $data"; fi
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  restart) KAFKA_CLEAN=0 stop; start ;;  # restart keeps the data: that is its point
  status) if running; then echo "running (pid $(<"$pidfile"))"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
