"""Plain HTML of the public verification page: Chinese first, English second, readable on a phone, no JS."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from html import escape

from kiosk_backend.schemas import SlipDocument
from kiosk_backend.slips.verify import REASON_TEXT, STATUS_TEXT, Verification

BEIJING = timezone(timedelta(hours=8), "CST")

_STYLE = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC","PingFang SC",sans-serif;margin:0;padding:1rem;
max-width:44rem;margin:auto;line-height:1.5;color:#111;background:#fff}
h1{font-size:1.3rem;margin:.2rem 0 1rem}
.status{font-size:1.6rem;font-weight:bold;padding:.8rem 1rem;border-radius:.4rem;margin:1rem 0}
.genuine{background:#e3f5e1;color:#125c12;border:2px solid #2e8b2e}
.expired,.revoked{background:#fff4dc;color:#7a4b00;border:2px solid #c98a00}
.invalid,.limited{background:#fde4e4;color:#8b1111;border:2px solid #c22}
.en{color:#555;font-size:.9em}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.95rem}
th,td{border:1px solid #999;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}
label{display:block;margin:.6rem 0 .2rem}
input{font-size:1.1rem;padding:.4rem;width:100%;box-sizing:border-box}
button{font-size:1.1rem;padding:.5rem 1.5rem;margin-top:.8rem}
.meta td:first-child{white-space:nowrap;width:8rem}
.scroll{overflow-x:auto}
.scroll td{white-space:nowrap}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def beijing_time(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def form_page(serial: str = "", message: str = "") -> str:
    """The serial + check code form (seed 001 §7: 查询流水号, 校验码, 校验)."""
    note = f'<p class="status invalid">{escape(message)}</p>' if message else ""
    body = f"""<h1>社保权益单校验 <span class="en">Verify a record slip</span></h1>{note}
<form method="post" action="/verify">
<label for="serial">查询流水号 <span class="en">Serial (22 digits)</span></label>
<input id="serial" name="serial" inputmode="numeric" autocomplete="off" maxlength="40" value="{escape(serial)}">
<label for="code">校验码 <span class="en">Check code</span></label>
<input id="code" name="code" autocomplete="off" autocapitalize="characters" maxlength="30">
<button id="submit" type="submit">校验 <span class="en">Verify</span></button>
</form>
<p class="en">流水号和校验码印在权益单右上角；也可用手机扫描权益单上的二维码。
The serial and check code are printed at the top right of the slip; or scan its QR code with a phone.</p>"""
    return _page("社保权益单校验", body)


def limited_page() -> str:
    body = """<h1>社保权益单校验 <span class="en">Verify a record slip</span></h1>
<p class="status limited" id="status">尝试次数过多，请稍后再试
<span class="en">Too many attempts; please try later</span></p>
<p><a href="/verify">返回 <span class="en">Back</span></a></p>"""
    return _page("社保权益单校验", body)


def unavailable_page() -> str:
    body = """<h1>社保权益单校验 <span class="en">Verify a record slip</span></h1>
<p class="status invalid" id="status">校验服务暂不可用，请稍后再试或拨打 12333
<span class="en">Verification is unavailable; please try later or call 12333</span></p>"""
    return _page("社保权益单校验", body)


def result_page(verification: Verification, archived: SlipDocument | None, checked_at: datetime) -> str:
    """The answer: status in words, reason, verification time, and the archived slip (masked ID)."""
    zh, en = STATUS_TEXT[verification.status]
    reason_zh, reason_en = REASON_TEXT.get(verification.reason, (verification.reason, verification.reason))
    parts = [
        '<h1>社保权益单校验结果 <span class="en">Verification result</span></h1>',
        f'<p class="status {verification.status}" id="status">{escape(zh)} <span class="en">{escape(en)}</span></p>',
        f'<p id="reason">{escape(reason_zh)} <span class="en">{escape(reason_en)}</span></p>',
        f'<p id="checked-at">校验时间 <span class="en">Verified at</span>: {beijing_time(checked_at)} (北京时间)</p>',
    ]
    if archived is not None:
        parts.append(_archived_html(archived))
    parts.append('<p><a href="/verify">继续校验 <span class="en">Verify another</span></a></p>')
    return _page(f"{zh} — 社保权益单校验", "".join(parts))


def _archived_html(doc: SlipDocument) -> str:
    meta = [
        ("单据 Document", f"{doc.title}（{doc.kind}）"),
        ("签发机构 Office", doc.issuing_office),
        ("参保人姓名 Name", doc.holder_name),
        ("社会保障号码 ID", doc.masked_id),
        ("查询流水号 Serial", doc.serial),
        ("期间 Period", doc.period or "—"),
        ("签发时间 Issued", beijing_time(doc.issued_at)),
        ("有效期至 Valid until", beijing_time(doc.valid_until)),
        ("终端 Kiosk", doc.kiosk_id),
    ]
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in meta)
    summary_head = "<tr><th>险种</th><th>参保状态</th><th>起始年月</th><th>截至年月</th><th>缴费月数</th></tr>"
    summary = "".join(
        f"<tr><td>{escape(r.insurance_name)}</td><td>{escape(r.status_name)}</td><td>{_ym(r.from_period)}</td>"
        f"<td>{_ym(r.to_period)}</td><td>{r.months}</td></tr>"
        for r in doc.summary_rows
    )
    head = "".join(f"<th>{escape(c)}</th>" for c in doc.detail_columns)
    details = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in doc.detail_rows)
    return (
        '<h2>存档内容 <span class="en">Archived slip</span></h2>'
        f'<table class="meta" id="archived">{rows}</table>'
        f'<table id="summary">{summary_head}{summary}</table>'
        + (f'<div class="scroll"><table id="details"><tr>{head}</tr>{details}</table></div>' if doc.detail_rows else "")
    )


def _ym(period: int) -> str:
    return f"{period // 100:04d}-{period % 100:02d}"
