#!/usr/bin/env bash
# Refresh the front-end libraries vendored under okrs/web/static/vendor from the npm registry.
# We serve them ourselves (no CDN): pages work offline and the Content-Security-Policy stays
# 'self'. Bump a version here, run this, and commit the result with its licence.
set -euo pipefail
cd "$(dirname "$0")/.."
HTMX=htmx.org@2.0.11
CHARTJS=chart.js@4.6.1
CYTOSCAPE=cytoscape@3.35.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$HTMX" "$CHARTJS" "$CYTOSCAPE" >/dev/null)
for tarball in "$work"/*.tgz; do tar xzf "$tarball" -C "$work" --transform "s,^package,$(basename "$tarball" .tgz),"; done
vendor=okrs/web/static/vendor
cp "$work"/htmx.org-*/dist/htmx.min.js "$vendor/htmx/"
cp "$work"/htmx.org-*/LICENSE "$vendor/htmx/LICENSE"
cp "$work"/chart.js-*/dist/chart.umd.min.js "$vendor/chartjs/"
# The source map is not vendored; drop the comment that would make browsers ask for it.
sed -i "s,//# sourceMappingURL=.*\$,," "$vendor/chartjs/chart.umd.min.js"
cp "$work"/chart.js-*/LICENSE.md "$vendor/chartjs/LICENSE.md"
cp "$work"/cytoscape-*/dist/cytoscape.min.js "$vendor/cytoscape/"
cp "$work"/cytoscape-*/LICENSE "$vendor/cytoscape/LICENSE"
printf '%s\n' "$HTMX" "$CHARTJS" "$CYTOSCAPE" > "$vendor/VERSIONS"
echo "vendored: $(tr '\n' ' ' < "$vendor/VERSIONS")"
