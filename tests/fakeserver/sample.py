"""The default reply of the standalone server: realistic Markdown exercising the renderer."""

from __future__ import annotations

SAMPLE_REPLY = """\
## Merging two sorted lists

Here is a short walkthrough of the classic **two-pointer merge**, with `O(n + m)` time:

1. Keep one index into each list.
2. Repeatedly take the smaller head element.
3. Append whatever remains once one list is exhausted.

| Approach | Time | Extra space |
|---|---|---|
| Two pointers | `O(n + m)` | `O(n + m)` |
| `sorted(a + b)` | `O((n + m) log(n + m))` | `O(n + m)` |
| `heapq.merge` | `O(n + m)` | `O(1)` (lazy) |

```python
def merge(a: list[int], b: list[int]) -> list[int]:
    i = j = 0
    out: list[int] = []
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    out.extend(a[i:])
    out.extend(b[j:])
    return out
```

> Tip: for huge inputs prefer `heapq.merge`, which yields items lazily.

双指针合并是归并排序的核心步骤：每次比较两个列表的当前元素，取较小者放入结果，\
直到其中一个列表耗尽，再把另一个列表的剩余部分整体追加。这个过程只遍历每个元素一次，\
因此时间复杂度是线性的，而且结果保持稳定排序。
"""
