"""你好笔记: a Jiceng plugin."""
