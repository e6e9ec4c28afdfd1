#!/bin/sh
# refresh.sh replaces the embedded Redoc bundle with the one of an npm
# release. It needs npm and the npm registry; nothing else is downloaded.
#
#   sh cmd/halcytone/internal/server/docsui/refresh.sh [VERSION]
#
# then update the version, integrity and sha256 in README.md (printed
# below), run `go test ./cmd/halcytone/internal/server/ -run 'Docs|OpenAPI'`
# and look at /docs with the network off.
set -eu

version=${1:-2.5.4}
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "redoc@$version" >/dev/null)
tar -xzf "$tmp/redoc-$version.tgz" -C "$tmp"
pkg=$tmp/package

# Two edits, the only ones: the source map is not shipped, so the comment
# that points at it goes (a browser's developer tools would ask for it);
# and the sidebar's "API docs by Redocly" logo, the one file the bundle
# loads from another origin at run time, becomes an empty data: URL (Redoc
# drops the image when it fails to load, as it would offline).
sed -e '/^\/\/# sourceMappingURL=/d' \
	-e 's#"https://cdn.redoc.ly/redoc/logo-mini.svg"#"data:,"#g' \
	"$pkg/bundles/redoc.standalone.js" >"$dir/redoc.standalone.js"
cp "$pkg/bundles/redoc.standalone.js.LICENSE.txt" "$dir/redoc.standalone.js.LICENSE.txt"
cp "$pkg/LICENSE" "$dir/redoc.LICENSE.txt"

# The page must work offline: refuse a bundle that loads fonts or scripts
# from elsewhere (docs_test.go checks the same).
if grep -q -e 'fonts.googleapis' -e 'fonts.gstatic' -e '<script src="http' -e 'cdn.redoc.ly' "$dir/redoc.standalone.js"; then
	echo "refresh.sh: redoc@$version loads remote fonts or scripts" >&2
	exit 1
fi

echo "redoc@$version"
echo "license:   $(cd "$tmp" && node -p 'require("./package/package.json").license')"
echo "integrity: $(npm view "redoc@$version" dist.integrity)"
echo "sha256:    $(sha256sum "$dir/redoc.standalone.js" | cut -d' ' -f1)"
