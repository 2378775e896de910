"""``GET /fleet``: the operators' fleet page — Chinese first, plain HTML, no JavaScript, refreshes itself."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from kiosk_backend.api.operator import require_operator
from kiosk_backend.config import BackendSettings
from kiosk_backend.errors import ApiError
from kiosk_backend.schemas import FleetKiosk, FleetView
from kiosk_backend.services.fleet import fleet_view

router = APIRouter(tags=["fleet"])

STATE_WORDS = {
    "in_service": "服务中 In service",
    "out_of_service": "暂停服务 Out of service",
    "starting": "启动中 Starting",
    "unknown": "未知 Unknown",
}
DEVICE_WORDS = {
    "online": "正常",
    "offline": "离线",
    "hardware_error": "硬件故障",
    "no_device": "未连接",
    "unknown": "未知",
}
PAPER_WORDS = {"full": "纸足", "low": "纸少", "out": "缺纸", "unknown": ""}

_STYLE = """
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; margin: 1.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #eee; }
tr.stale td { background: #fde2e2; }
tr.fault td { background: #fff4ce; }
.muted { color: #555; font-size: 90%; }
"""


@router.get("/fleet", response_class=HTMLResponse, include_in_schema=False)
def fleet_page(request: Request) -> HTMLResponse:
    """The fleet as a table; asks a browser for the operators' token (HTTP Basic, any user name)."""
    try:
        require_operator(request)
    except ApiError as exc:
        headers = {"WWW-Authenticate": 'Basic realm="fleet", charset="UTF-8"'} if exc.status == 401 else {}
        body = f"<!doctype html><meta charset=utf-8><title>终端监控</title><p>{escape(exc.message)} ({exc.code})</p>"
        return HTMLResponse(body, status_code=exc.status, headers=headers)
    settings: BackendSettings = request.app.state.settings
    with Session(request.app.state.engine) as db:
        view = fleet_view(db, settings.fleet.heartbeat_interval_s, settings.fleet.stale_after_beats)
    return HTMLResponse(render_fleet(view, settings.fleet.heartbeat_interval_s))


def render_fleet(view: FleetView, refresh_s: int) -> str:
    """The page's HTML (everything escaped)."""
    rows = "\n".join(_row(kiosk) for kiosk in view.kiosks)
    stale = sum(1 for kiosk in view.kiosks if kiosk.stale)
    out = sum(1 for kiosk in view.kiosks if kiosk.service_state != "in_service")
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{refresh_s}">
<title>自助终端监控 Kiosk fleet</title><style>{_STYLE}</style></head>
<body>
<h1>自助终端监控 <span class="muted">Kiosk fleet</span></h1>
<p>共 {len(view.kiosks)} 台，失联 {stale} 台，非服务中 {out} 台。
<span class="muted">{len(view.kiosks)} kiosks, {stale} stale (no heartbeat for {view.stale_after_s} s),
{out} not in service. 生成于 {escape(view.generated_at.isoformat(timespec="seconds"))}</span></p>
<table>
<thead><tr><th>终端 Kiosk</th><th>状态 State</th><th>最近心跳 Last heartbeat</th><th>故障 Fault</th>
<th>设备 Devices</th><th>计数 Counters</th>
<th>日志 Journal</th><th>远程指令 Command</th><th>版本 Version</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<p class="muted">远程暂停/恢复服务：POST /v1/fleet/kiosks/{{id}}/service
{{"mode": "out_of_service", "reason": "…"}} 或 {{"mode": "in_service"}}（见 OPERATIONS.md）。</p>
</body></html>
"""


def _row(kiosk: FleetKiosk) -> str:
    classes = "stale" if kiosk.stale else ("fault" if kiosk.fault else "")
    age = "从未 never" if kiosk.age_s is None else f"{kiosk.age_s:.0f} 秒前"
    if kiosk.stale and kiosk.age_s is not None:
        age += "（失联 stale）"
    devices = "<br>".join(
        escape(f"{name}: {DEVICE_WORDS.get(d.device, d.device)} {PAPER_WORDS.get(d.paper, '')}".strip())
        + (f" <b>{escape(d.fault)}</b>" if d.fault else "")
        for name, d in sorted(kiosk.devices.items())
    )
    counters = "<br>".join(escape(f"{name} {value}") for name, value in sorted(kiosk.counters.items()))
    command = "服务 in service"
    if kiosk.command.mode == "out_of_service":
        command = "暂停：" + escape(kiosk.command.reason)
    cells = [
        escape(kiosk.kiosk_id),
        escape(STATE_WORDS.get(kiosk.service_state, kiosk.service_state)),
        age,
        escape(kiosk.fault or ""),
        devices,
        counters,
        f"#{kiosk.journal_seq}（已上传 #{kiosk.journal_uploaded_seq}）",
        command,
        escape(kiosk.software_version),
    ]
    body = "".join(f"<td>{cell}</td>" for cell in cells)
    return f'<tr class="{classes}" id="kiosk-{escape(kiosk.kiosk_id)}">{body}</tr>'
