"""Reminder channels, one small class each with one ``send()``: e-mail (mail), 企业微信/政务微信
group robot and application message (wecom), 钉钉 group robot (dingtalk), SMS gateway (sms).
In-app notifications are rows written by the outbox itself."""
