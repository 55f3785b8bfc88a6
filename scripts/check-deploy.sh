#!/usr/bin/env bash
# Deployment checks that need no Docker engine (run by ctest and CI):
#
#  1. docker-compose.yml validates with `docker-compose config -q` (Debian's
#     docker-compose package, installed when missing and running as root;
#     --no-install-recommends, so no Docker engine comes with it), with a
#     dummy .env in a scratch project directory, never the developer's .env;
#     and it refuses to start without the required secrets.
#  2. A structural check (python3 + PyYAML) of what docs/operations.md and
#     issue 5 promise: services, images, volumes, healthchecks, no published
#     ports or container_name on fcgi_app, secrets only from .env, every
#     variable the code reads in .env.example, the Dockerfile stages, the CI
#     workflow, and that the compose copies of the nginx includes agree with
#     nginx/fastcgi_payments.conf and nginx/json_errors.conf.
#  3. `nginx -t` on the compose nginx config, rendered by the very start-up
#     script the nginx container runs (nginx/compose/40-payments-config.sh),
#     with its paths moved into a scratch directory; plus that script's own
#     refusals (half a certificate pair, a malformed rate).
#  4. CMake configures from only the paths the Dockerfile's build stage
#     copies; every library the built binary links comes from a package the
#     runtime stage installs (ldd, dpkg -S, apt-cache depends).
#  5. shellcheck (warnings and errors) on the deployment scripts, when
#     installed.
#
# The last line is "N passed, N failed"; exit 1 on any failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/payments-deploy-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
skipped=0
pass() { passed=$((passed + 1)); printf '[deploy] ok: %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf '[deploy] FAILED: %s\n' "$*"; }
skip() { skipped=$((skipped + 1)); printf '[deploy] skipped: %s\n' "$*"; }
say() { printf '[deploy] %s\n' "$*"; }

apt_updated=0
apt_install() {  # installs Debian packages when root; non-zero when it cannot
  [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  export DEBIAN_FRONTEND=noninteractive
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; apt_updated=1; fi
  say "installing $*"
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

# ------------------------------------------------------------------ tools --
python=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import yaml' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ] && apt_install python3-yaml && /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
  python=/usr/bin/python3
fi
command -v nginx >/dev/null 2>&1 || apt_install nginx-light || true
command -v openssl >/dev/null 2>&1 || apt_install openssl || true
command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose || true

# ------------------------------------------------- 1. docker-compose config --
# A scratch project: the compose file, the paths it mounts or builds, and a
# dummy .env made from .env.example with the required secrets filled in.
project=$tmp/project
mkdir -p "$project"
cp "$ROOT/docker-compose.yml" "$project/"
ln -s "$ROOT/nginx" "$project/nginx"
ln -s "$ROOT/docs" "$project/docs"
ln -s "$ROOT/Dockerfile" "$project/Dockerfile"
sed -e 's|^MYSQL_ROOT_PASSWORD=.*|MYSQL_ROOT_PASSWORD=dummy-root-password|' \
    -e 's|^PAYMENTS_DB_PASSWORD=.*|PAYMENTS_DB_PASSWORD=dummy-app-password|' \
    -e 's|^PAYMENTS_API_ADMIN_TOKEN=.*|PAYMENTS_API_ADMIN_TOKEN=dummy-admin-token-0123456789|' \
    "$ROOT/.env.example" > "$project/.env"

if command -v docker-compose >/dev/null 2>&1; then
  compose() { (cd "$project" && docker-compose --ansi never -f docker-compose.yml "$@"); }
  if out=$(compose config -q 2>&1); then
    pass "docker-compose config -q accepts docker-compose.yml ($(docker-compose version --short 2>/dev/null))"
  else
    fail "docker-compose config rejects docker-compose.yml: $out"
  fi
  services=$(compose config --services 2>/dev/null | sort | tr '\n' ' ' || true)
  [ "$services" = "cycle fcgi_app mysql nginx " ] && pass "services: $services" \
    || fail "services are '$services', expected cycle fcgi_app mysql nginx"
  volumes=$(compose config --volumes 2>/dev/null | sort | tr '\n' ' ' || true)
  [ "$volumes" = "audit mysql-data tls " ] && pass "named volumes: $volumes" \
    || fail "named volumes are '$volumes', expected audit mysql-data tls"
  for secret in MYSQL_ROOT_PASSWORD PAYMENTS_DB_PASSWORD; do
    sed -i "s|^$secret=.*|$secret=|" "$project/.env"
    if out=$(compose config -q 2>&1); then
      fail "compose starts with an empty $secret"
    elif grep -q "$secret" <<<"$out"; then
      pass "compose refuses an empty $secret"
    else
      fail "compose refuses an empty $secret, but says: $out"
    fi
  done
  sed -e 's|^MYSQL_ROOT_PASSWORD=.*|MYSQL_ROOT_PASSWORD=dummy-root-password|' \
      -e 's|^PAYMENTS_DB_PASSWORD=.*|PAYMENTS_DB_PASSWORD=dummy-app-password|' -i "$project/.env"
else
  skip "docker-compose config (not installed; as root this script installs Debian's docker-compose)"
fi

# --------------------------------------------------- 2. structural checks --
if [ -n "$python" ]; then
  while IFS= read -r line; do
    case $line in
      "PASS "*) pass "${line#PASS }" ;;
      "FAIL "*) fail "${line#FAIL }" ;;
      *) say "$line" ;;
    esac
  done < <("$python" - "$ROOT" <<'PY' 2>&1 || echo "FAIL structural check crashed"
import glob, os, re, sys
import yaml

root = sys.argv[1]
def out(ok, msg): print(("PASS " if ok else "FAIL ") + msg)
def read(path): return open(os.path.join(root, path), encoding="utf-8").read()

compose = yaml.safe_load(read("docker-compose.yml"))
services = compose.get("services", {})
top_volumes = set((compose.get("volumes") or {}).keys())
REF = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")

def default_of(value):
    m = re.match(r"^\$\{[A-Z0-9_]+:?-([^}]*)\}$", str(value))
    return m.group(1) if m else str(value)

def env_map(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env

def mounts(service):
    result = []
    for v in service.get("volumes") or []:
        if isinstance(v, dict):
            result.append((str(v.get("source")), str(v.get("target"))))
        else:
            # SOURCE:TARGET[:MODE], where SOURCE may be ${VAR:-default}.
            parts = re.findall(r"(?:\$\{[^}]*\}|[^:])+", str(v))
            result.append((parts[0], parts[1] if len(parts) > 1 else ""))
    return result

def version_tuple(tag):
    m = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?", tag)
    return tuple(int(x or 0) for x in m.groups()) if m else None

# nginx
nginx = services.get("nginx", {})
image = default_of(nginx.get("image", ""))
repo, _, tag = image.partition(":")
version = version_tuple(tag)
out(repo in ("nginx", "docker.io/library/nginx") and version is not None and version >= (1, 27, 3),
    f"nginx image {image} is the official image, >= 1.27.3 (upstream resolve)")
out("alpine" not in tag, f"nginx image {image} is Debian-based (ships openssl for the self-signed certificate)")
out(any(str(p).endswith(":443") for p in nginx.get("ports", [])), "nginx publishes container port 443")
targets = {t: s for s, t in mounts(nginx)}
out(targets.get("/srv/docs") == "./docs", "nginx serves ./docs (mounted at /srv/docs)")
out("/docker-entrypoint.d/40-payments-config.sh" in targets, "nginx runs 40-payments-config.sh at start")
out("/etc/nginx/tls" in targets and targets["/etc/nginx/tls"].startswith("${PAYMENTS_TLS_DIR"),
    "nginx TLS directory from PAYMENTS_TLS_DIR (or the tls volume)")
out("healthcheck" in nginx, "nginx has a healthcheck")

# mysql
mysql = services.get("mysql", {})
image = default_of(mysql.get("image", ""))
out(re.match(r"^(docker\.io/library/)?mysql:8(\.|$)", image) is not None, f"mysql image {image} is the official MySQL 8")
data = [s for s, t in mounts(mysql) if t == "/var/lib/mysql"]
out(bool(data) and data[0] in top_volumes, "mysql data on a named volume")
out("healthcheck" in mysql, "mysql has a healthcheck")
env = env_map(mysql)
for name in ("MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD"):
    value = str(env.get(name, ""))
    out(re.match(r"^\$\{[A-Z0-9_]+:\?", value) is not None, f"mysql {name} comes from .env and is required")

# fcgi_app
app = services.get("fcgi_app", {})
out("build" in app and str(app.get("image", "")).startswith("${PAYMENTS_IMAGE"),
    "fcgi_app builds from the Dockerfile, image name from PAYMENTS_IMAGE")
out("container_name" not in app, "fcgi_app has no container_name (scalable)")
out("ports" not in app, "fcgi_app publishes no ports (scalable; nginx is the only way in)")
depends = app.get("depends_on") or {}
out(isinstance(depends, dict) and (depends.get("mysql") or {}).get("condition") == "service_healthy",
    "fcgi_app waits for mysql service_healthy")
env_files = app.get("env_file")
env_files = [env_files] if isinstance(env_files, str) else (env_files or [])
out(".env" in env_files, "fcgi_app reads .env (env_file)")
env = env_map(app)
data_dir = env.get("PAYMENTS_DATA_DIR")
audit = [s for s, t in mounts(app) if t == data_dir]
out(bool(audit) and audit[0] in top_volumes, f"fcgi_app audit files ({data_dir}) on a named volume")
out(env.get("PAYMENTS_FCGI_LISTEN") == "0.0.0.0:9000", "fcgi_app listens on 0.0.0.0:9000")
out(env.get("PAYMENTS_MIGRATIONS_DIR") == "/app/sql", "fcgi_app migrations from /app/sql")
out(env.get("PAYMENTS_DB_HOST") == "mysql", "fcgi_app talks to the mysql service")

# cycle: the payment cycle from the same image.
cycle = services.get("cycle", {})
out(str(cycle.get("image", "")) == str(app.get("image", "")) and "build" not in cycle,
    "cycle runs the fcgi_app image (PAYMENTS_IMAGE), no second build")
out(cycle.get("command") in (["cycle"], "cycle"), "cycle runs `payments-fcgi cycle`")
cdepends = cycle.get("depends_on") or {}
out(isinstance(cdepends, dict) and (cdepends.get("mysql") or {}).get("condition") == "service_healthy",
    "cycle waits for mysql service_healthy")
cenv_files = cycle.get("env_file")
cenv_files = [cenv_files] if isinstance(cenv_files, str) else (cenv_files or [])
out(".env" in cenv_files, "cycle reads .env (env_file)")
cenv = env_map(cycle)
out(cenv.get("PAYMENTS_DB_HOST") == "mysql", "cycle talks to the mysql service")
out(cenv.get("PAYMENTS_DATA_DIR") == data_dir and
    [s for s, t in mounts(cycle) if t == data_dir] == audit,
    "cycle writes its audit lines to the fcgi_app audit volume")
out("ports" not in cycle, "cycle publishes no ports")

# No literal secrets anywhere in the compose file.
literal = []
for name, service in services.items():
    for key, value in env_map(service).items():
        if re.search(r"PASSWORD|TOKEN|SECRET|_KEY$", key) and value not in (None, "") and not REF.match(str(value)):
            literal.append(f"{name}.{key}")
out(not literal, "no literal secrets in docker-compose.yml" + (f": {literal}" if literal else ""))

# .env.example: every variable the code reads and every ${VAR} of the compose file.
example = read(".env.example")
example_vars = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.M))
# A variable documented but commented out ("# NAME=...") counts as listed.
documented = example_vars | set(re.findall(r"^#\s?([A-Z][A-Z0-9_]*)=", example, re.M))
code_vars = set()
for path in glob.glob(os.path.join(root, "fcgi_app", "**", "*.[ch]*"), recursive=True):
    code_vars |= set(re.findall(r'"((?:PAYMENTS?|ETH|ORCHESTRATOR)_[A-Z0-9_]+)"', open(path, encoding="utf-8", errors="replace").read()))
missing = sorted(code_vars - documented)
out(not missing, f".env.example lists all {len(code_vars)} variables the code reads" + (f"; missing {missing}" if missing else ""))
compose_text = "\n".join(l for l in read("docker-compose.yml").splitlines() if not l.lstrip().startswith("#"))
compose_vars = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose_text))
missing = sorted(compose_vars - example_vars)
out(not missing, ".env.example lists the compose file's variables" + (f"; missing {missing}" if missing else ""))
secrets = [l for l in example.splitlines()
           if re.match(r"^[A-Z0-9_]*(PASSWORD|TOKEN|TOKENS|SECRETS_KEY)=.+", l)]
out(not secrets, ".env.example carries no secret values" + (f": {secrets}" if secrets else ""))

# Dockerfile
dockerfile = "\n".join(l for l in read("Dockerfile").splitlines() if not l.lstrip().startswith("#"))
froms = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", dockerfile, re.M | re.I)
out(len(froms) >= 2 and "debian" in froms[0][0] and "slim" in froms[-1][0],
    "Dockerfile: Debian build stage, slim runtime stage")
users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
out(bool(users) and users[-1].split(":")[0] not in ("root", "0"), "Dockerfile: runs as a non-root user")
out(re.search(r"^HEALTHCHECK\s", dockerfile, re.M) is not None, "Dockerfile: HEALTHCHECK")
for setting in ("PAYMENTS_MIGRATIONS_DIR=/app/sql", "PAYMENTS_FCGI_LISTEN=0.0.0.0:9000"):
    out(setting in dockerfile, f"Dockerfile: ENV {setting}")
runtime = dockerfile[dockerfile.rfind("FROM "):]
libs = ["libfcgi0ldbl", "libmysqlcppconn7v5", "libjsoncpp25", "libboost-log1.74.0", "libssl3", "libcurl4"]
absent = [l for l in libs if not re.search(rf"\b{re.escape(l)}\b", runtime)]
out(not absent and "-dev" not in runtime, "Dockerfile: runtime stage installs the runtime libraries, no -dev packages"
    + (f"; missing {absent}" if absent else ""))
sources = [s for line in re.findall(r"^COPY\s+(?!--from)(.+)$", dockerfile, re.M) for s in line.split()[:-1]]
absent = [s for s in sources if not os.path.exists(os.path.join(root, s))]
out(not absent, "Dockerfile: every COPY source exists" + (f"; missing {absent}" if absent else ""))
build_stage = dockerfile[:dockerfile.rfind("FROM ")]
devsh = read("scripts/dev.sh")
m = re.search(r"APT_PACKAGES=\(([^)]*)\)", devsh)
wanted = [p for p in (m.group(1).split() if m else [])
          if p.endswith("-dev") or p in ("build-essential", "cmake", "pkg-config")]
absent = [p for p in wanted if not re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", build_stage)]
out(bool(wanted) and not absent, "Dockerfile: build stage installs the build packages of scripts/dev.sh"
    + (f"; missing {absent}" if absent else ""))
ignored = set(l.strip() for l in read(".dockerignore").splitlines())
out({".env", ".run", "data", "build"} <= ignored, ".dockerignore keeps .env, .run, data and build out of the image")

# CI workflow
workflow = yaml.safe_load(read(".github/workflows/ci.yml"))
text = read(".github/workflows/ci.yml")
triggers = workflow.get("on", workflow.get(True, {}))
out("push" in triggers, "ci.yml runs on push")
steps = [s for job in workflow.get("jobs", {}).values() for s in job.get("steps", [])]
out(any("bash .ci/run" in str(s.get("run", "")) for s in steps), "ci.yml runs bash .ci/run")
push = [s for s in steps if "build-push-action" in str(s.get("uses", ""))]
out(bool(push) and push[0].get("with", {}).get("push") in (True, "true"), "ci.yml builds and pushes the image")
tags = str(push[0].get("with", {}).get("tags", "")) if push else ""
out(":latest" in tags and "github.sha" in tags, "ci.yml tags latest and the commit SHA")
out("refs/heads/main" in text and "secrets.GITHUB_TOKEN" in text, "ci.yml pushes on main with GITHUB_TOKEN")
out({"REGISTRY", "IMAGE_NAME"} <= set((workflow.get("env") or {}).keys()), "ci.yml: registry and image name are settings")

# nginx template: scaling and the same protections as the local stack.
template = read("nginx/compose/nginx.conf.template")
for needle, what in ((r"resolver\s+127\.0\.0\.11", "Docker's resolver"),
                     (r"zone\s+payments_fcgi\s", "a shared-memory upstream zone"),
                     (r"server\s+@UPSTREAM_HOST@:@UPSTREAM_PORT@\s+resolve;", "server ... resolve"),
                     (r"server_tokens\s+off;", "server_tokens off"),
                     (r"limit_req_zone .*zone=payments_register", "the register rate limit"),
                     (r"limit_req_zone .*zone=payments_api", "the API rate limit"),
                     (r"limit_req_status\s+429;", "429 on rate limits"),
                     (r"client_max_body_size\s", "a body cap"),
                     (r"include\s+@CONF_DIR@/json_errors\.conf;", "JSON error pages")):
    out(re.search(needle, template) is not None, f"compose nginx config has {what}")
script = read("nginx/compose/40-payments-config.sh")
out("PAYMENTS_NGINX_UPSTREAM:-fcgi_app:9000" in script, "compose nginx upstream defaults to fcgi_app:9000")

# The compose copies of the shared includes must not drift from the local ones.
def params(path): return re.findall(r"^\s*fastcgi_param\s+(\S+)", read(path), re.M)
def pages(path): return re.findall(r"^\s*error_page\s+([\d ]+)\s", read(path), re.M)
out(params("nginx/fastcgi_payments.conf") == params("nginx/compose/fastcgi_payments.conf"),
    "nginx/compose/fastcgi_payments.conf passes the same parameters as nginx/fastcgi_payments.conf")
out(pages("nginx/json_errors.conf") == pages("nginx/compose/json_errors.conf"),
    "nginx/compose/json_errors.conf covers the same statuses as nginx/json_errors.conf")
PY
)
else
  fail "structural checks need python3 with PyYAML (apt-get install python3-yaml)"
fi

# ------------------------------------------------------------ 3. nginx -t --
render() {  # render DIR [VAR=VALUE ...]: the container's start-up script, paths moved into DIR
  local dir=$1
  shift
  env PAYMENTS_NGINX_CONF_DIR="$ROOT/nginx/compose" PAYMENTS_NGINX_OUTPUT="$dir/nginx.conf" \
    PAYMENTS_NGINX_TLS_DIR="$dir/tls" PAYMENTS_NGINX_DOCS_DIR="$ROOT/docs" "$@" \
    sh "$ROOT/nginx/compose/40-payments-config.sh"
}

if ! command -v nginx >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  fail "nginx -t needs nginx and openssl (apt-get install nginx-light openssl)"
else
  n=$tmp/nginx
  mkdir -p "$n"/{client_body,fastcgi,proxy,uwsgi,scgi}
  if out=$(render "$n" 2>&1) && [ -s "$n/nginx.conf" ] && [ -s "$n/tls/cert.pem" ] && [ -s "$n/tls/key.pem" ]; then
    pass "40-payments-config.sh renders nginx.conf and a self-signed certificate"
  else
    fail "40-payments-config.sh failed: $out"
  fi
  cert_sum=$(sha256sum < "$n/tls/cert.pem" 2>/dev/null || true)
  if render "$n" >/dev/null 2>&1 && [ "$(sha256sum < "$n/tls/cert.pem")" = "$cert_sum" ]; then
    pass "40-payments-config.sh keeps an existing certificate"
  else
    fail "40-payments-config.sh replaced an existing certificate"
  fi

  # The test copy differs from what the container runs in exactly these ways:
  #  - nginx before 1.27.3 (Debian bookworm has 1.22) knows no `resolve`
  #    parameter on an upstream server, and without it the name fcgi_app
  #    must resolve when the config loads, which it cannot outside compose;
  #    so, for those versions only, the `server fcgi_app:9000 resolve;` line
  #    becomes `server 127.0.0.1:9000;` (the rest of the upstream stays);
  #  - temp paths in the scratch directory, so that nginx -t runs as any user.
  version=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
  conf=$n/nginx-test.conf
  if [ "$version" != 1.27.3 ] && printf '%s\n1.27.3\n' "$version" | sort -V -C; then
    sed -E 's|^(\s*)server fcgi_app:9000 resolve;|\1server 127.0.0.1:9000;|' "$n/nginx.conf" > "$conf"
    grep -q 'server 127.0.0.1:9000;' "$conf" \
      || fail "no 'server fcgi_app:9000 resolve;' line in the rendered config"
    note="nginx $version: 'resolve' parameter replaced for the syntax check"
  else
    cp "$n/nginx.conf" "$conf"
    note="nginx $version"
  fi
  sed -i "/^http {/a\\
  client_body_temp_path $n/client_body;\\
  fastcgi_temp_path $n/fastcgi;\\
  proxy_temp_path $n/proxy;\\
  uwsgi_temp_path $n/uwsgi;\\
  scgi_temp_path $n/scgi;" "$conf"
  if out=$(nginx -t -q -p "$n/" -c "$conf" -g "pid $n/nginx.pid;" 2>&1); then
    pass "nginx -t accepts the compose nginx config ($note)"
  else
    fail "nginx -t rejects the compose nginx config ($note): $out"
  fi

  # With trusted proxies and every limit changed, it must still be valid.
  m=$tmp/nginx-custom
  mkdir -p "$m"
  if render "$m" PAYMENTS_TRUSTED_PROXIES=10.0.0.0/8,192.0.2.1 PAYMENTS_NGINX_API_RATE=50r/s \
      PAYMENTS_NGINX_REGISTER_RATE=30r/m PAYMENTS_NGINX_MAX_BODY=256k >/dev/null 2>&1 \
      && sed -E -e 's|^(\s*)server fcgi_app:9000 resolve;|\1server 127.0.0.1:9000;|' \
         -e "s|^http \{|http { client_body_temp_path $n/client_body; fastcgi_temp_path $n/fastcgi; proxy_temp_path $n/proxy; uwsgi_temp_path $n/uwsgi; scgi_temp_path $n/scgi;|" \
         "$m/nginx.conf" > "$m/test.conf" \
      && grep -q 'set_real_ip_from 10.0.0.0/8;' "$m/test.conf" \
      && nginx -t -q -p "$m/" -c "$m/test.conf" -g "pid $m/nginx.pid;" >/dev/null 2>&1; then
    pass "nginx -t accepts the config with trusted proxies and custom limits"
  else
    fail "the config with trusted proxies and custom limits is invalid"
  fi

  # Refusals of the start-up script.
  b=$tmp/nginx-bad
  mkdir -p "$b/tls"
  if out=$(render "$b" PAYMENTS_NGINX_API_RATE=lots 2>&1); then
    fail "40-payments-config.sh accepted PAYMENTS_NGINX_API_RATE=lots"
  elif grep -q 'PAYMENTS_NGINX_API_RATE' <<<"$out"; then
    pass "40-payments-config.sh refuses a malformed rate, naming the variable"
  else
    fail "40-payments-config.sh refused a malformed rate without naming it: $out"
  fi
  cp "$n/tls/cert.pem" "$b/tls/cert.pem"
  if render "$b" >/dev/null 2>&1; then
    fail "40-payments-config.sh started with a certificate but no key"
  else
    pass "40-payments-config.sh refuses a certificate without its key"
  fi
fi

# ----------------------------------------- 4. Docker build context, cmake --
# The build stage copies only some paths; CMake must configure from them alone.
if command -v cmake >/dev/null 2>&1; then
  ctx=$tmp/context
  mkdir -p "$ctx"
  copied=$(sed -n '1,/^FROM .* AS runtime/p' "$ROOT/Dockerfile" \
    | awk '$1 == "COPY" && $2 !~ /^--/ { for (i = 2; i < NF; i++) print $i }')
  for path in $copied; do cp -a "$ROOT/$path" "$ctx/"; done
  if [ -z "$copied" ]; then
    fail "no COPY lines in the Dockerfile's build stage"
  elif out=$(cmake -S "$ctx" -B "$ctx/build" -DCMAKE_BUILD_TYPE=Release 2>&1); then
    pass "CMake configures from the build stage's COPY paths alone ($(echo $copied))"
  else
    fail "CMake cannot configure from the build stage's COPY paths ($(echo $copied)): $(tail -n 5 <<<"$out")"
  fi
else
  skip "Docker build context (cmake not installed)"
fi

# ------------------------------------------------ 5. runtime libraries --
# Every shared library the built binary links must come from a package that
# the runtime stage installs (or one of their dependencies, per apt-cache).
binary=""
for dir in "${PAYMENTS_BUILD_DIR:-}" "$ROOT/build"; do
  if [ -n "$dir" ] && [ -x "$dir/payments-fcgi" ]; then binary=$dir/payments-fcgi; break; fi
done
if [ -z "$binary" ]; then
  skip "runtime libraries (no built payments-fcgi in build/)"
elif ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-cache >/dev/null 2>&1; then
  skip "runtime libraries (needs dpkg and apt-cache)"
else
  runtime=$(sed -n '/^FROM .* AS runtime/,$p' "$ROOT/Dockerfile" | tr '\\\n' '  ' \
    | sed -n 's/.*--no-install-recommends\(.*\)/\1/p' | sed 's/&&.*//')
  # shellcheck disable=SC2086  # a list of package names
  closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $runtime 2>/dev/null | grep -v '^ ' | tr -d '<>' | sort -u)
  missing=""
  for lib in $(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
    case $(basename "$lib") in libasan* | libubsan* | liblsan*) continue ;; esac
    package=""
    for path in "$lib" "$(readlink -f "$lib")" "${lib#/usr}" "/usr${lib#/usr}"; do
      package=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$package" ] && break
    done
    if [ -z "$package" ]; then
      missing+=" $(basename "$lib")(no package)"
    elif ! grep -qx "$package" <<<"$closure"; then
      missing+=" $(basename "$lib")($package)"
    fi
  done
  if [ -z "${runtime// /}" ]; then
    fail "no apt-get install line found in the Dockerfile's runtime stage"
  elif [ -z "$missing" ]; then
    pass "runtime stage packages ($(echo $runtime)) provide every library ${binary#"$ROOT"/} links"
  else
    fail "libraries of ${binary#"$ROOT"/} that the runtime stage does not install:$missing"
  fi
fi

# ------------------------------------------------------------ 6. shellcheck --
scripts=(scripts/check-deploy.sh scripts/lib/backup.sh scripts/healthcheck.sh
  tests/backup_drill.sh nginx/compose/40-payments-config.sh)
if command -v shellcheck >/dev/null 2>&1; then
  if out=$(cd "$ROOT" && shellcheck -S warning -s bash scripts/check-deploy.sh scripts/lib/backup.sh tests/backup_drill.sh 2>&1 \
      && shellcheck -S warning -s sh scripts/healthcheck.sh nginx/compose/40-payments-config.sh 2>&1); then
    pass "shellcheck: ${scripts[*]}"
  else
    fail "shellcheck: $out"
  fi
else
  skip "shellcheck (not installed)"
fi
for f in "${scripts[@]}"; do
  [ -x "$ROOT/$f" ] || [ "$f" = scripts/lib/backup.sh ] || fail "$f is not executable"
done

[ "$skipped" = 0 ] || say "$skipped checks skipped"
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" = 0 ]
