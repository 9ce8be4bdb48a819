#!/usr/bin/env bash
# Packs this machine's Debian Chromium, the shared libraries it needs beyond glibc/libstdc++, and
# the built app (dist/, without the shipped model pack, which travels with the tracked tree) into
# .devbench/ (git-ignored), xz-compressed and split in three (~39 MB each) so each device call, with the
# ~20 MB tracked tree, stays under its 64 MiB.
# Output: .devbench/chromium.tar.xz.part-aa, -ab, ..., .devbench/chromium.sha256 and .devbench/dist.tar.xz.
# usage: bench/device/make-bundle.sh [dist-only]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.devbench"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out" "$stage/pb/chromium/locales" "$stage/pb/lib"
dist() {
  # The app built into a private folder (dist/ belongs to everyone's builds); the shipped pack travels
  # with the tracked tree (public/models), so it is left out here and linked in on the device.
  (cd "$root" && nice -n 10 npx vite build --outDir .devbench/dist --emptyOutDir --logLevel warn)
  # The device has no fonts at all, and Chromium aborts (Skia "SkFontMgr_FontConfigInterface ... Not
  # implemented") as soon as a page lays out text, as index.html does; bench/device/fonts.conf points here.
  mkdir -p "$out/dist/__fonts" && cp -L /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf "$out/dist/__fonts/"
  tar -C "$out/dist" --exclude=./models -cf - . | nice -n 10 xz -9 > "$out/dist.tar.xz"
}
if [ "${1:-}" = dist-only ]; then dist; ls -l "$out"; exit 0; fi
src=/usr/lib/chromium
for f in chromium chrome_crashpad_handler chrome_100_percent.pak chrome_200_percent.pak resources.pak icudtl.dat \
  snapshot_blob.bin v8_context_snapshot.bin libvulkan.so.1 libvk_swiftshader.so vk_swiftshader_icd.json libEGL.so libGLESv2.so; do
  cp -L "$src/$f" "$stage/pb/chromium/"
done
cp "$src/locales/en-US.pak" "$stage/pb/chromium/locales/"
# glibc and the C++ runtime come from the device (newer there, backward compatible); all else from here.
skip='^(linux-vdso|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|ld-linux|libresolv\.so|libstdc\+\+\.so|libgcc_s\.so)'
extra="/lib/x86_64-linux-gnu/libEGL.so.1 /lib/x86_64-linux-gnu/libGLdispatch.so.0 /lib/x86_64-linux-gnu/libGLESv2.so.2 /lib/x86_64-linux-gnu/libGL.so.1 /lib/x86_64-linux-gnu/libGLX.so.0"
for bin in "$src/chromium" "$src/libvk_swiftshader.so" $extra; do
  ldd "$bin" | awk '/=>/ {print $1, $3}' | while read -r name path; do
    [[ "$name" =~ $skip ]] && continue
    [ -e "$stage/pb/lib/$name" ] || cp -L "$path" "$stage/pb/lib/$name"
  done
done
for f in $extra; do cp -L "$f" "$stage/pb/lib/"; done
/usr/lib/chromium/chromium --version > "$stage/pb/chromium/VERSION" 2>/dev/null || true
tar -C "$stage" -cf - pb | nice -n 10 xz -9 -T1 > "$out/chromium.tar.xz"
rm -f "$out"/chromium.tar.xz.part-*
split -n 3 -a 2 "$out/chromium.tar.xz" "$out/chromium.tar.xz.part-"
rm "$out/chromium.tar.xz"
(cd "$out" && sha256sum chromium.tar.xz.part-* > chromium.sha256)
dist
ls -l "$out"
