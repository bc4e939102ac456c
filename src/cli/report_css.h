/* report_css.h -- the inline style sheet of `unspin report` (one string).
 *
 * Kept apart from cmd_report.c so the page's look can be edited without
 * touching the C that builds it. No external fonts, images or URLs: the
 * report must stay a single self-contained file. */
#ifndef US_CLI_REPORT_CSS_H
#define US_CLI_REPORT_CSS_H

/* One rule (or a few) per element: ISO C caps a string literal at 4095 bytes. */
static const char *const report_css[] = {
    "*{box-sizing:border-box}",
    "body{margin:0;background:#f4f5f7;color:#1f2328;"
    "font:15px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','DejaVu Sans',"
    "sans-serif}",
    "header.top{background:#1f2933;color:#f5f7fa;padding:22px 0 18px}",
    ".wrap{max-width:1120px;margin:0 auto;padding:0 28px}",
    "header.top h1{margin:0;font-size:24px;font-weight:650;letter-spacing:-.01em}",
    "header.top .sub{margin:4px 0 0;color:#c3ccd6;font-size:13px}",
    "header.top nav{margin-top:8px;font-size:13px}",
    "header.top nav a{color:#9ccbff;margin-right:16px}",
    ".keys{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12.5px;margin:2px 0 8px;"
    "color:#424a53}",
    ".keys span{display:inline-flex;align-items:center;gap:5px;cursor:help}",
    ".keys i{width:10px;height:10px;border-radius:2px;display:inline-block}",
    "main.wrap{padding-top:20px;padding-bottom:36px}",
    "section.card{background:#fff;border:1px solid #dde1e6;border-radius:10px;"
    "padding:18px 22px;margin:0 0 18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}",
    "h2{font-size:18px;margin:0 0 10px;font-weight:650}",
    "h3{font-size:13px;margin:14px 0 6px;color:#57606a;text-transform:uppercase;"
    "letter-spacing:.05em;font-weight:600}",
    ".muted{color:#6e7781}.small{font-size:12.5px}",
    ".legend{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));"
    "gap:6px 22px;margin:0;padding:0;list-style:none;font-size:13px}",
    ".legend li{display:flex;gap:8px;align-items:flex-start;line-height:1.35}",
    ".legend li.unused{opacity:.45}",
    ".sw{flex:none;width:14px;height:14px;border-radius:3px;margin-top:2px;"
    "border:1px solid rgba(0,0,0,.15)}",
    ".legend b{font-weight:600}.legend .n{color:#57606a;font-variant-numeric:tabular-nums}",
    ".charts{display:flex;flex-wrap:wrap;gap:10px 36px;margin:4px 0 6px}",
    "figure{margin:0}figcaption{font-size:12px;color:#57606a;text-transform:uppercase;"
    "letter-spacing:.05em;font-weight:600;margin:0 0 4px}",
    "svg.chart{display:block;overflow:visible}",
    "svg.chart text{font:11.5px system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',"
    "sans-serif;fill:#424a53}",
    "svg.chart text.strong{font-weight:650;fill:#1f2328}",
    "svg.chart .track{fill:#eef0f3}svg.chart .seg{stroke:#fff;stroke-width:.6}",
    ".art-head{display:flex;align-items:baseline;gap:12px;flex-wrap:wrap}",
    ".art-head .path{font:12.5px ui-monospace,'DejaVu Sans Mono',monospace;color:#6e7781}",
    ".badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;"
    "font-weight:600;color:#fff}",
    ".para{display:grid;grid-template-columns:44px 1fr;gap:0 10px;padding:8px 0;"
    "border-top:1px solid #eef0f3}",
    ".pnum{font:12px ui-monospace,'DejaVu Sans Mono',monospace;color:#8c959f;"
    "text-align:right;padding-top:3px}",
    ".chips{display:flex;flex-wrap:wrap;gap:4px;margin:0 0 4px}",
    ".chip{display:inline-flex;align-items:center;gap:5px;font-size:12px;"
    "padding:1px 8px 1px 6px;border-radius:11px;background:#f6f8fa;"
    "border:1px solid #d0d7de;cursor:help}",
    ".chip i{width:9px;height:9px;border-radius:50%;display:inline-block}",
    ".chip b{font-weight:600;font-variant-numeric:tabular-nums;color:#57606a}",
    ".ptext{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".ptext.whole{padding:4px 10px;border-radius:0 6px 6px 0;cursor:help}",
    ".ptext.none{color:#57606a}",
    "mark.sp{color:inherit;border-radius:2px;padding:0 1px;cursor:help}",
    "mark.ov{text-decoration:underline double;text-underline-offset:3px}",
    "table.heat{border-collapse:collapse;font-size:12px}",
    "table.heat th{font-weight:500;color:#424a53;padding:2px 6px;white-space:nowrap}",
    "table.heat thead th{writing-mode:vertical-rl;transform:rotate(180deg);"
    "text-align:left;vertical-align:bottom;padding:6px 2px}",
    "table.heat tbody th{text-align:right}",
    "table.heat td{width:26px;height:24px;text-align:center;border:1px solid #fff;"
    "font-variant-numeric:tabular-nums}",
    "table.heat td.diag{background:#e9ecef;color:#57606a}",
    "table.list{border-collapse:collapse;width:100%;font-size:13px}",
    "table.list th,table.list td{text-align:left;padding:5px 8px;"
    "border-bottom:1px solid #eef0f3}",
    "table.list th{color:#57606a;font-weight:600;font-size:12px}",
    "a{color:#0b62c4;text-decoration:none}a:hover{text-decoration:underline}",
    ".err{border-color:#f1b7b1;background:#fff8f7}.err h2{color:#b42318}",
    ".err li{font:13px ui-monospace,'DejaVu Sans Mono',monospace;margin:2px 0}",
    ".grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:8px 28px}",
    "footer{color:#8c959f;font-size:12px;text-align:center;padding:0 0 28px}",
    "@media print{body{background:#fff}section.card{box-shadow:none;break-inside:avoid}}",
};

#endif
