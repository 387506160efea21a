#!/usr/bin/env bash
# Puts the PP-OCR ONNX models the ocr crate runs into a models directory, checked by SHA-256.
#
# The models ship inside the rapidocr 3.10.0 wheel on PyPI (Apache-2.0, see ocr/MODELS.md), so
# they come through pip like any other registry package rather than from a model hub. The
# script is idempotent: when every model is present with the right checksum it does nothing.
#
#   ocr/fetch-models.sh              # into ocr/models/ (or $ROLO_OCR_MODELS when set)
#   ocr/fetch-models.sh DIR          # into DIR
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-${ROLO_OCR_MODELS:-$here/models}}"
wheel_version="3.10.0"
wheel_name="rapidocr-${wheel_version}-py3-none-any.whl"
wheel_sha256="2fc34e26cd0f48514804a94f8832283039c7334076bff60768b1fed9ad068050"

# name inside the wheel's rapidocr/models/ -> SHA-256 of the extracted file
declare -A models=(
  [PP-OCRv6_det_small.onnx]=090f04abcd9d9a7498bc4ebf677e4cb9bdce1fe4197ddb7e529f1ef44e1ff94f
  [PP-OCRv6_rec_small.onnx]=6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884
  [ch_ppocr_mobile_v2.0_cls_mobile.onnx]=e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c
)

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

all_present() {
  local name
  for name in "${!models[@]}"; do
    [ -f "$dest/$name" ] && [ "$(sha_of "$dest/$name")" = "${models[$name]}" ] || return 1
  done
}

mkdir -p "$dest"
if all_present; then
  echo "ocr models: present and verified in $dest"
  exit 0
fi

# The wheel is cached beside the models so a rerun after a partial failure downloads nothing.
cache="$dest/.wheel"
mkdir -p "$cache"
if [ ! -f "$cache/$wheel_name" ] || [ "$(sha_of "$cache/$wheel_name")" != "$wheel_sha256" ]; then
  rm -f "$cache/$wheel_name"
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    "rapidocr==${wheel_version}" --dest "$cache"
fi
got="$(sha_of "$cache/$wheel_name")"
if [ "$got" != "$wheel_sha256" ]; then
  echo "ocr models: $wheel_name has SHA-256 $got, expected $wheel_sha256" >&2
  exit 1
fi

# Extract with Python's zipfile (always there with pip; `unzip` may not be), to a temporary
# name first so an interrupted run never leaves a truncated model under the real name.
python3 - "$cache/$wheel_name" "$dest" "${!models[@]}" <<'PY'
import os, shutil, sys, zipfile
wheel, dest, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as archive:
    for name in names:
        tmp = os.path.join(dest, name + ".part")
        with archive.open("rapidocr/models/" + name) as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out)
        os.replace(tmp, os.path.join(dest, name))
PY

for name in "${!models[@]}"; do
  got="$(sha_of "$dest/$name")"
  if [ "$got" != "${models[$name]}" ]; then
    echo "ocr models: $name has SHA-256 $got, expected ${models[$name]}" >&2
    exit 1
  fi
done
rm -rf "$cache"
echo "ocr models: installed and verified in $dest"
