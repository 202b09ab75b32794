"""The mock vendors in a process of their own (bench): set up over the pipe, answering as in-process."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from obligations.devtools.mock_vendors import VendorsApart


def _robot_send(url: str, key: str) -> dict:
    server = urlsplit(url)
    connection = http.client.HTTPConnection(server.hostname, server.port, timeout=10)
    try:
        body = json.dumps({"msgtype": "markdown", "markdown": {"content": "督办提醒"}})
        connection.request(
            "POST", f"/cgi-bin/webhook/send?key={key}", body.encode(), {"Content-Type": "application/json"}
        )
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def test_robots_added_over_the_pipe_are_known_and_counted():
    with VendorsApart(per_minute=100) as vendors:
        assert _robot_send(vendors.url, "robot-a")["errcode"] == 93000  # not added yet
        vendors.add_robots({"robot-a"}, {"ding-token": "SECsecret"})
        assert _robot_send(vendors.url, "robot-a") == {"errcode": 0, "errmsg": "ok"}
        assert _robot_send(vendors.url, "robot-a")["errcode"] == 0
        assert vendors.delivered_by_channel() == {"wecom_robot": 2}
    assert not vendors._process.is_alive()
