/**
 * The chart libraries the report page inlines, read once from the installed packages
 * (lightweight-charts' standalone build, uPlot's iife build and its CSS), so the page needs no
 * network. Resolved through each package's package.json: lightweight-charts' `exports` map does
 * not expose its dist files, but does expose package.json.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ReportAssets {
  lightweightChartsJs: string;
  uplotJs: string;
  uplotCss: string;
}

let cached: ReportAssets | undefined;

function packageFile(pkg: string, file: string): string {
  const require = createRequire(import.meta.url);
  return readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), file), 'utf8');
}

/** The library texts (read on first use, then cached for the process). */
export function reportAssets(): ReportAssets {
  cached ??= {
    lightweightChartsJs: packageFile('lightweight-charts', 'dist/lightweight-charts.standalone.production.js'),
    uplotJs: packageFile('uplot', 'dist/uPlot.iife.min.js'),
    uplotCss: packageFile('uplot', 'dist/uPlot.min.css'),
  };
  return cached;
}

/** Text safe inside an inline `<script>`: a `</script` or `<!--` in it would end or confuse the element. */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Text safe inside an inline `<style>`. */
export function inlineStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}
