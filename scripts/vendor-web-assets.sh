#!/usr/bin/env bash
# Refresh the browser libraries shipped in server/web/static/vendor/ (the dashboard's chart library
# and GraphiQL with the React builds it needs). Needs npm once, here; never at install or run time.
# Usage: scripts/vendor-web-assets.sh   (then commit server/web/static/vendor/)
set -euo pipefail
cd "$(dirname "$0")/.."
vendor=server/web/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null &&
  npm install --no-audit --no-fund --silent graphiql@3.8.3 react@18.3.1 react-dom@18.3.1 chart.js@4.6.1)
m="$work/node_modules"
rm -rf "$vendor" && mkdir -p "$vendor/licenses"
cp "$m/chart.js/dist/chart.umd.min.js" "$vendor/chart.umd.min.js"
cp "$m/graphiql/graphiql.min.js" "$m/graphiql/graphiql.min.css" "$vendor/"
cp "$m/react/umd/react.production.min.js" "$m/react-dom/umd/react-dom.production.min.js" "$vendor/"
cp "$m/chart.js/LICENSE.md" "$vendor/licenses/chart.js.LICENSE.md"
cp "$m/graphiql/LICENSE" "$vendor/licenses/graphiql.LICENSE"
cp "$m/react/LICENSE" "$vendor/licenses/react.LICENSE"
cp "$m/react-dom/LICENSE" "$vendor/licenses/react-dom.LICENSE"
# Source-map comments would make browsers ask for files that are not shipped.
sed -i -e '/^\/\/# sourceMappingURL=/d' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$vendor"/*.js "$vendor"/*.css
for package in chart.js graphiql react react-dom; do
  printf '%s %s\n' "$package" "$(node -p "require('$m/$package/package.json').version" 2>/dev/null ||
    grep -m1 '"version"' "$m/$package/package.json" | cut -d'"' -f4)"
done >"$vendor/VERSIONS"
echo "vendored into $vendor:" && cat "$vendor/VERSIONS"
