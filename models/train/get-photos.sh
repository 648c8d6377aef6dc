#!/usr/bin/env bash
# Installs the Debian packages whose photographs models/train/photos.py trains on (Debian 12, root).
#
#   bash models/train/get-photos.sh          # then: /usr/bin/python3 models/train/photos.py --check
#
# - the wallpaper packages are installed with apt-get (a few MB of JPEGs, no dependencies);
# - python3-skimage would pull ≈120 packages (scipy, matplotlib, …) for four sample photographs, so
#   its .deb is only downloaded and unpacked under models/train/cache/debs/ (git-ignored), and so
#   are gcompris-qt-data, kphotoalbum, libjxl-testdata and hugin-data.
# Never add mate-backgrounds or plasma-workspace-wallpapers here: those two are reserved for the
# independent evaluation of the model (photos.py refuses paths from them).
set -eu
cd "$(dirname "$0")"
apt-get install -y --no-install-recommends gnome-backgrounds ukui-wallpapers lomiri-wallpapers \
  lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 sway-backgrounds palapeli-data
mkdir -p cache/debs
(cd cache/debs && apt-get download python3-skimage && dpkg -x python3-skimage_*.deb skimage)
# the same for packages whose photographs are a small part of them (a game's, a photo manager's and
# a codec's test data, a panorama stitcher's help): unpacked, never installed (≈ 110 MB of .debs)
for pkg in gcompris-qt-data kphotoalbum libjxl-testdata hugin-data; do
  (cd cache/debs && apt-get download "$pkg" && dpkg -x "${pkg}"_*.deb "$pkg")
done
echo "photos installed; check with: /usr/bin/python3 models/train/photos.py --check"
