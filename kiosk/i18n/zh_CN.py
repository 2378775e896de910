"""简体中文 message catalog (the default language)."""

MESSAGES: dict[str, str] = {
    "app.title": "社保自助终端",
    "attract.insert_card": "请插入社保卡",
    "attract.insert_hint": "请将社会保障卡芯片朝上插入读卡器",
    "attract.connecting": "正在连接服务…",
    "status.kiosk": "终端 {kiosk_id}",
    "status.online": "服务正常",
    "status.connecting": "连接中",
    "status.offline": "服务中断",
    "oos.title": "服务暂停",
    "oos.body": "本机暂时无法提供服务，请到人工窗口办理，或稍后再试。",
    "oos.hotline": "咨询电话 12333",
    "oos.code": "故障代码 {code}",
    "error.backend_unreachable": "无法连接社保业务系统",
}
