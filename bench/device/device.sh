#!/usr/bin/env bash
# Runs on the lent GPU machine (procedure: bench/device/README.md), from the repository root.
#   stage: keep the bundle parts carried in this call under $PB/parts and print diagnostics.
#   bench: join the parts, unpack Chromium + libraries + the built app, run drive.py; results and
#          logs go to $OUT (results.json, diag.txt, chromium.log).
# Nothing is unpacked into /: Chromium finds its libraries through LD_LIBRARY_PATH.
set -u
mode=${1:?usage: device.sh stage|bench}
PB=${PB:-/opt/pb}
OUT=${OUT:-/tmp/pb-out}
repo=$(pwd)
mkdir -p "$PB/parts" "$OUT"
for f in .devbench/chromium.tar.xz.part-* .devbench/dist.tar.xz .devbench/chromium.sha256; do
  [ -f "$f" ] && cp "$f" "$PB/parts/"
done

diag() {
  echo "## $(date -u +%FT%TZ) $(uname -srm)"
  nvidia-smi -L 2>&1
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  echo "## glibc: $(ldd --version 2>&1 | head -1); python: $(python3 --version 2>&1); node: $(command -v node || echo none); chromium: $(command -v chromium chromium-browser google-chrome 2>/dev/null | head -1 || echo none)"
  echo "## vulkan/egl libraries known to ldconfig:"
  ldconfig -p 2>/dev/null | grep -i -E 'vulkan|libEGL|GLX_nvidia|GLdispatch' || echo "(none)"
  echo "## ICD / vendor files:"
  ls -l /usr/local/nvidia/share/vulkan/icd.d/ /usr/local/nvidia/share/glvnd/egl_vendor.d/ /etc/vulkan/icd.d/ /usr/share/vulkan/icd.d/ 2>&1
  cat /usr/local/nvidia/share/vulkan/icd.d/*.json 2>/dev/null
  ls /usr/local/nvidia/lib64 2>/dev/null | grep -i -E 'GLX_nvidia|EGL_nvidia|vulkan|glvk' ; ls -l /dev/nvidia* /dev/dri 2>&1 | head
  echo "## fonts: $(ls /usr/share/fonts 2>&1 | head -3 | tr '\n' ' ') fc: $(ls /etc/fonts 2>&1 | head -3 | tr '\n' ' ')"
  df -h /opt /tmp 2>&1 | tail -2; nproc; grep -m1 'model name' /proc/cpuinfo
}

if [ "$mode" = stage ]; then
  diag 2>&1 | tee "$OUT/diag-stage.txt"
  ls -l "$PB/parts"
  exit 0
fi

t0=$(date +%s)
cd "$PB/parts" && sha256sum -c chromium.sha256 || { echo "bundle parts missing or damaged in $PB/parts (a fresh machine? run stage first)"; ls -l "$PB/parts"; exit 3; }
cd "$repo"
if [ ! -x "$PB/pb/chromium/chromium" ]; then
  cat "$PB"/parts/chromium.tar.xz.part-* | xz -dc -T0 | tar -C "$PB" -x || exit 4
fi
rm -rf "$PB/dist" && mkdir -p "$PB/dist" && tar -C "$PB/dist" -xJf "$PB/parts/dist.tar.xz" || exit 5
ln -sfn "$repo/public/models" "$PB/dist/models"
echo "## unpacked in $(( $(date +%s) - t0 )) s"

C=$PB/pb/chromium/chromium
ICD=${ICD:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export LD_LIBRARY_PATH="$PB/pb/lib:/usr/local/nvidia/lib64:/usr/local/nvidia/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[ -f "$ICD" ] && export VK_DRIVER_FILES="$ICD" VK_ICD_FILENAMES="$ICD"
EGLV=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
[ -f "$EGLV" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$EGLV"
export FONTCONFIG_FILE="$repo/bench/device/fonts.conf"
BASE="--headless=new --no-sandbox --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage --enable-unsafe-webgpu --enable-precise-memory-info --enable-logging=stderr --v=0"
FLAGS=${FLAGS:-$BASE --use-angle=vulkan --enable-features=Vulkan --disable-vulkan-surface --ignore-gpu-blocklist}
# Tried in order only when FLAGS gives no hardware adapter (one probe page each, a few seconds).
ALT="$BASE --use-angle=vulkan --use-vulkan=native --enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan --ignore-gpu-blocklist --enable-gpu|$BASE --ignore-gpu-blocklist --enable-gpu|$BASE --use-gl=egl --ignore-gpu-blocklist --enable-gpu"

{
  diag
  echo "## missing libraries for chromium:"; ldd "$C" | grep 'not found' || echo "(none)"
  echo "## $("$C" --version 2>&1)"
  echo "## env: LD_LIBRARY_PATH=$LD_LIBRARY_PATH VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset} __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-unset}"
  echo "## flags: $FLAGS"
} > "$OUT/diag.txt" 2>&1
cat "$OUT/diag.txt"

gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
ver=$("$C" --version 2>/dev/null)
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), ${gpu:-no GPU}, $ver"
device=$(python3 -c 'import json,sys; print(json.dumps({"machine": sys.argv[1], "gpu": sys.argv[2], "chromium": sys.argv[3], "flags": sys.argv[4], "kernel": sys.argv[5], "vkDriverFiles": sys.argv[6]}))' "$machine" "$gpu" "$ver" "$FLAGS" "$(uname -r)" "${VK_DRIVER_FILES:-unset}")
python3 bench/device/drive.py --dist "$PB/dist" --chromium "$C" --out "$OUT/results.json" --log "$OUT/chromium.log" \
  --flags "$FLAGS" --alt-flags "$ALT" --device "$device" --deadline-s "${DEADLINE:-270}" ${ONLY:+--only "$ONLY"} ${APP:+--app "$APP"}
rc=$?
# Keep the log within what comes back (16 MiB a file).
if [ "$(stat -c %s "$OUT/chromium.log")" -gt 8000000 ]; then tail -c 8000000 "$OUT/chromium.log" > "$OUT/chromium.log.tmp" && mv "$OUT/chromium.log.tmp" "$OUT/chromium.log"; fi
echo "## total $(( $(date +%s) - t0 )) s, drive.py exit $rc"
exit $rc
