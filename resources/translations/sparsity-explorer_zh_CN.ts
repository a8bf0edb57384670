<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ContextMenus</name>
    <message>
        <source>&amp;Copy All as Text</source>
        <translation>全部复制为文本(&amp;C)</translation>
    </message>
    <message>
        <source>Copy &amp;Value</source>
        <translation>复制数值(&amp;V)</translation>
    </message>
    <message>
        <source>Copy &amp;Value (%1)</source>
        <translation>复制数值 (%1)(&amp;V)</translation>
    </message>
    <message>
        <source>Copy &amp;Read-out</source>
        <translation>复制读数(&amp;R)</translation>
    </message>
    <message>
        <source>Copy &amp;Image</source>
        <translation>复制图像(&amp;I)</translation>
    </message>
    <message>
        <source>Copy Value</source>
        <translation>复制数值</translation>
    </message>
</context>
<context>
    <name>DiffSource</name>
    <message>
        <source>kept by both</source>
        <translation>两者都保留</translation>
    </message>
    <message>
        <source>kept by A only</source>
        <translation>仅 A 保留</translation>
    </message>
    <message>
        <source>kept by B only</source>
        <translation>仅 B 保留</translation>
    </message>
    <message>
        <source>pruned by both</source>
        <translation>两者都剪掉</translation>
    </message>
    <message>
        <source>mixed pixel: colours blended by share</source>
        <translation>混合像素：按占比混合颜色</translation>
    </message>
    <message>
        <source>Each pixel: the four categories of the %1 weights it covers, blended by share.</source>
        <translation>每个像素：其覆盖的 %1 个权重所属的四类，按占比混合颜色。</translation>
    </message>
</context>
<context>
    <name>ExportProgress</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Overwrite File?</source>
        <translation>覆盖文件？</translation>
    </message>
</context>
<context>
    <name>HeatmapSource</name>
    <message>
        <source>Each pixel: the largest value among the %1 weights it covers.</source>
        <translation>每个像素：其覆盖的 %1 个权重中的最大值。</translation>
    </message>
    <message>
        <source>≈%1</source>
        <translation>≈%1</translation>
    </message>
    <message>
        <source>Each weight is drawn on its own (%1 px per weight).</source>
        <translation>每个权重单独绘制（每个权重 %1 像素）。</translation>
    </message>
</context>
<context>
    <name>LearnMatrix</name>
    <message>
        <source>rows %1–%2, columns %3–%4 of %5</source>
        <translation>%5 的第 %1–%2 行、第 %3–%4 列</translation>
    </message>
    <message>
        <source>random numbers, seed %1</source>
        <translation>随机数，种子 %1</translation>
    </message>
    <message>
        <source>numbers typed in the table</source>
        <translation>在表格中输入的数字</translation>
    </message>
</context>
<context>
    <name>LearnWalkthrough</name>
    <message>
        <source>(%1, %2)</source>
        <translation>(%1, %2)</translation>
    </message>
    <message>
        <source>%1: (%2) / %3 = %4 / %3 = %5</source>
        <translation>%1：(%2) / %3 = %4 / %3 = %5</translation>
    </message>
    <message>
        <source>The weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>These are the weights of a small matrix; the next steps decide which of them become zero.</source>
        <translation>这是一个小矩阵的权重；接下来的步骤决定其中哪些变为 0。</translation>
    </message>
    <message>
        <source>A %1 × %2 matrix of %3 values: %4.</source>
        <translation>一个 %1 × %2 的 %3 矩阵：%4。</translation>
    </message>
    <message>
        <source>given numbers</source>
        <translation>给定的数字</translation>
    </message>
    <message>
        <source>The parameters: level %1, block %2 × %3, zeros per block %4, norm %5.</source>
        <translation>参数：稀疏级别 %1，块 %2 × %3，每块置零数 %4，范数 %5。</translation>
    </message>
    <message>
        <source>f(w) = |w|</source>
        <translation>f(w) = |w|</translation>
    </message>
    <message>
        <source>f(w) = w²</source>
        <translation>f(w) = w²</translation>
    </message>
    <message>
        <source>Each weight gets a size f(w) = |w|, its value without the sign, because the norm is l1.</source>
        <translation>每个权重得到一个大小 f(w) = |w|，即去掉符号后的值，因为范数是 l1。</translation>
    </message>
    <message>
        <source>Each weight gets a size f(w) = w², its square, because the norm is l2 (as in PyTorch, no square root is taken).</source>
        <translation>每个权重得到一个大小 f(w) = w²，即它的平方，因为范数是 l2（与 PyTorch 一样，不开平方根）。</translation>
    </message>
    <message>
        <source>At %1: f(%2) = |%2| = %3</source>
        <translation>在 %1：f(%2) = |%2| = %3</translation>
    </message>
    <message>
        <source>At %1: f(%2) = (%2)² = %3</source>
        <translation>在 %1：f(%2) = (%2)² = %3</translation>
    </message>
    <message>
        <source>The blocks</source>
        <translation>块</translation>
    </message>
    <message>
        <source>%1 (%2 of %3 weights)</source>
        <translation>%1（%3 个权重中的 %2 个）</translation>
    </message>
    <message>
        <source>The matrix is cut into %1 × %2 blocks, numbered row by row from the top left; here every block is whole.</source>
        <translation>矩阵被切分为 %1 × %2 的块，从左上角起逐行编号；这里每个块都是完整的。</translation>
    </message>
    <message>
        <source>The matrix is cut into %1 × %2 blocks, numbered row by row from the top left; a block cut by the edge of the matrix is partial and holds fewer weights.</source>
        <translation>矩阵被切分为 %1 × %2 的块，从左上角起逐行编号；被矩阵边缘截断的块是不完整块，包含的权重更少。</translation>
    </message>
    <message>
        <source>R = ceil(%1 / %2) = %3 block rows, Q = ceil(%4 / %5) = %6 block columns, N = %3 × %6 = %7 blocks.</source>
        <translation>R = ceil(%1 / %2) = %3 个块行，Q = ceil(%4 / %5) = %6 个块列，N = %3 × %6 = %7 个块。</translation>
    </message>
    <message>
        <source>Partial (hatched): %1.</source>
        <translation>不完整块（斜线标出）：%1。</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>Block means</source>
        <translation>块均值</translation>
    </message>
    <message>
        <source>Each block gets one number, the mean of f over the weights it really holds: a partial block divides by its own count, not by %1.</source>
        <translation>每个块得到一个数：它实际包含的权重的 f 的均值；不完整块除以它自己的权重个数，而不是 %1。</translation>
    </message>
    <message>
        <source>Click a block to see its sum.</source>
        <translation>点击一个块查看它的和。</translation>
    </message>
    <message>
        <source>The ranking</source>
        <translation>排序</translation>
    </message>
    <message>
        <source>The blocks are put in order of their means, smallest first: rank 1 is pruned first, equal means go by block number, and a block with a NaN goes last.</source>
        <translation>块按均值从小到大排序：第 1 名最先被剪枝，均值相同时按块编号，含 NaN 的块排在最后。</translation>
    </message>
    <message>
        <source>%1 and %2 have the same mean, so the lower block number, %1, comes first.</source>
        <translation>%1 和 %2 的均值相同，因此编号较小的 %1 排在前面。</translation>
    </message>
    <message>
        <source>%1 holds a NaN, so its mean is NaN and it comes last.</source>
        <translation>%1 含有 NaN，因此它的均值是 NaN，排在最后。</translation>
    </message>
    <message>
        <source>rank %1</source>
        <translation>第 %1 名</translation>
    </message>
    <message>
        <source>k = round(%1 × %2) = round(%3) = %4</source>
        <translation>k = round(%1 × %2) = round(%3) = %4</translation>
    </message>
    <message>
        <source> (halves round to even)</source>
        <translation>（恰为 .5 时取偶数）</translation>
    </message>
    <message>
        <source>, but a level below 100 % always keeps at least one block, so k = N − 1 = %1</source>
        <translation>，但低于 100 % 的级别总会保留至少一个块，因此 k = N − 1 = %1</translation>
    </message>
    <message>
        <source>How many blocks: k</source>
        <translation>剪掉多少块：k</translation>
    </message>
    <message>
        <source>The number of blocks to prune is k = level × N rounded to the nearest whole number (a half goes to the even one), and below 100 % at least one block is kept.</source>
        <translation>要剪掉的块数 k = 级别 × N，四舍五入到最近的整数（恰为 .5 时取偶数）；低于 100 % 时至少保留一个块。</translation>
    </message>
    <message>
        <source>N = %1 blocks, level = %2 = %3.</source>
        <translation>N = %1 个块，级别 = %2 = %3。</translation>
    </message>
    <message>
        <source>The product is formed in double precision, as Python forms it, before rounding.</source>
        <translation>乘积先按双精度计算（与 Python 相同），再取整。</translation>
    </message>
    <message>
        <source>At level 0 % nothing is pruned: k = 0 and every weight stays.</source>
        <translation>级别为 0 % 时不剪任何块：k = 0，所有权重都保留。</translation>
    </message>
    <message>
        <source>k = 0 of N = %1 blocks.</source>
        <translation>k = 0（共 N = %1 个块）。</translation>
    </message>
    <message>
        <source>With zeros per block 0 a pruned block would lose nothing, so every weight stays: k = 0.</source>
        <translation>每块置零数为 0 时，被剪的块不会失去任何权重，因此所有权重都保留：k = 0。</translation>
    </message>
    <message>
        <source>At level 100 % with zeros per block the whole block (%1), every block is pruned and every weight becomes 0.</source>
        <translation>级别为 100 % 且每块置零数为整个块（%1）时，所有块都被剪掉，所有权重都变为 0。</translation>
    </message>
    <message>
        <source>k = N = %1 blocks: no rounding and no limit at 100 %.</source>
        <translation>k = N = %1 个块：在 100 % 时不取整，也没有上限。</translation>
    </message>
    <message>
        <source>At level 100 % every block is pruned, and zeros per block (%1 of %2) decides how many weights each one loses.</source>
        <translation>级别为 100 % 时所有块都被剪枝，每块置零数（%2 个中的 %1 个）决定每块失去多少个权重。</translation>
    </message>
    <message>
        <source>≤ k</source>
        <translation>≤ k</translation>
    </message>
    <message>
        <source>The pruned blocks</source>
        <translation>被剪枝的块</translation>
    </message>
    <message>
        <source>No block is pruned, so every weight stays.</source>
        <translation>没有块被剪枝，因此所有权重都保留。</translation>
    </message>
    <message>
        <source>Every block is pruned.</source>
        <translation>所有块都被剪枝。</translation>
    </message>
    <message>
        <source>The k = %1 blocks with the smallest means, ranks 1 to %1, are pruned; the other %2 keep every weight.</source>
        <translation>均值最小的 k = %1 个块（第 1 到第 %1 名）被剪枝；其余 %2 个块保留全部权重。</translation>
    </message>
    <message>
        <source>Pruned, in rank order: %1.</source>
        <translation>被剪枝（按名次）：%1。</translation>
    </message>
    <message>
        <source>Kept: %1.</source>
        <translation>保留：%1。</translation>
    </message>
    <message>
        <source>pruned</source>
        <translation>剪掉</translation>
    </message>
    <message>
        <source>kept</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>✕</source>
        <translation>✕</translation>
    </message>
    <message>
        <source>%1 at %2</source>
        <translation>%1 位于 %2</translation>
    </message>
    <message>
        <source>%1 removes f = %2</source>
        <translation>%1 去掉 f = %2</translation>
    </message>
    <message>
        <source>; the smallest f it keeps is %1</source>
        <translation>；它保留的最小 f 是 %1</translation>
    </message>
    <message>
        <source> (partial: its %1 missing positions count as larger than any value, so all %2 of its weights go)</source>
        <translation>（不完整块：它缺少的 %1 个位置被视为大于任何值，因此它的全部 %2 个权重都被去掉）</translation>
    </message>
    <message>
        <source>Zeros inside a pruned block</source>
        <translation>被剪枝块内的置零</translation>
    </message>
    <message>
        <source>No block is pruned, so zeros per block removes nothing.</source>
        <translation>没有块被剪枝，因此每块置零数不去掉任何权重。</translation>
    </message>
    <message>
        <source>Zeros per block is %1, the whole block, so every weight of a pruned block becomes 0.</source>
        <translation>每块置零数为 %1，即整个块，因此被剪枝块的每个权重都变为 0。</translation>
    </message>
    <message>
        <source>Inside each pruned block only the weight with the smallest f becomes 0 (on a tie the lower position first, NaN last); the others stay.</source>
        <translation>在每个被剪枝的块内，只有 f 最小的那个权重变为 0（相等时位置靠前者优先，NaN 最后）；其余保留。</translation>
    </message>
    <message>
        <source>Inside each pruned block only the %1 weights with the smallest f become 0 (on a tie the lower position first, NaN last); the others stay.</source>
        <translation>在每个被剪枝的块内，只有 f 最小的 %1 个权重变为 0（相等时位置靠前者优先，NaN 最后）；其余保留。</translation>
    </message>
    <message>
        <source>The small number in a cell is its place by f inside its block (1 = smallest).</source>
        <translation>格子里的小数字是它在所属块内按 f 的位次（1 = 最小）。</translation>
    </message>
    <message>
        <source>Pruned blocks not listed here: %1. Click a block to see it.</source>
        <translation>此处未列出的被剪枝块：%1。点击一个块查看它。</translation>
    </message>
    <message>
        <source>%1 is pruned whole.</source>
        <translation>%1 被整体剪掉。</translation>
    </message>
    <message>
        <source>%1 is not pruned: it keeps every weight.</source>
        <translation>%1 未被剪枝：它保留全部权重。</translation>
    </message>
    <message>
        <source>The final mask</source>
        <translation>最终掩码</translation>
    </message>
    <message>
        <source>The mask keeps 1 for each weight that stays and 0 for each removed one; the retained energy is the share of the sum of w² that the kept weights still hold.</source>
        <translation>掩码中保留的权重为 1，被去掉的权重为 0；保留能量是保留的权重在 w² 总和中所占的比例。</translation>
    </message>
    <message>
        <source>Zeros: %1 of %2 weights, achieved sparsity = %1 / %2 = %3.</source>
        <translation>零：%2 个权重中有 %1 个，实际稀疏度 = %1 / %2 = %3。</translation>
    </message>
    <message>
        <source>Every weight is zero: there is nothing to retain, so retained energy and retained L1 are both 100 %.</source>
        <translation>所有权重都是零：没有可保留的量，因此保留能量和保留 L1 都是 100 %。</translation>
    </message>
    <message>
        <source>Σ w² over the kept weights (%1 of %2)</source>
        <translation>保留权重的 Σ w²（%2 个中的 %1 个）</translation>
    </message>
    <message>
        <source>Σ w² over all weights (%1)</source>
        <translation>全部权重的 Σ w²（%1 个）</translation>
    </message>
    <message>
        <source>Retained energy = %1 / %2 = %3.</source>
        <translation>保留能量 = %1 / %2 = %3。</translation>
    </message>
    <message>
        <source>Σ |w| over the kept weights</source>
        <translation>保留权重的 Σ |w|</translation>
    </message>
    <message>
        <source>Σ |w| over all weights</source>
        <translation>全部权重的 Σ |w|</translation>
    </message>
    <message>
        <source>Retained L1 = %1 / %2 = %3.</source>
        <translation>保留 L1 = %1 / %2 = %3。</translation>
    </message>
    <message>
        <source>NaN or infinite weights, left out of these sums: %1.</source>
        <translation>NaN 或无穷大的权重，不计入这些和：%1。</translation>
    </message>
</context>
<context>
    <name>MaskDiff</name>
    <message>
        <source>pruned(A) = pruned(B): the same mask</source>
        <translation>pruned(A) = pruned(B)：掩码相同</translation>
    </message>
    <message>
        <source>pruned(A) ⊂ pruned(B): B prunes all A prunes, and more</source>
        <translation>pruned(A) ⊂ pruned(B)：B 剪掉了 A 剪掉的全部，且更多</translation>
    </message>
    <message>
        <source>pruned(A) ⊃ pruned(B): A prunes all B prunes, and more</source>
        <translation>pruned(A) ⊃ pruned(B)：A 剪掉了 B 剪掉的全部，且更多</translation>
    </message>
    <message>
        <source>neither contains the other: each prunes weights the other keeps</source>
        <translation>互不包含：每一方都剪掉了另一方保留的权重</translation>
    </message>
</context>
<context>
    <name>MaskSource</name>
    <message>
        <source>kept block</source>
        <translation>保留的块</translation>
    </message>
    <message>
        <source>kept in partly pruned block</source>
        <translation>部分剪枝块中保留的</translation>
    </message>
    <message>
        <source>zeroed in partly pruned block</source>
        <translation>部分剪枝块中置零的</translation>
    </message>
    <message>
        <source>pruned block</source>
        <translation>被剪枝的块</translation>
    </message>
    <message>
        <source>kept weights per pixel (%)</source>
        <translation>每像素保留的权重 (%)</translation>
    </message>
    <message>
        <source>Each pixel: share of kept weights among the %1 weights it covers (0 %: dark, 100 %: the kept colour). At 1 px per weight or more the categories show.</source>
        <translation>每个像素：其覆盖的 %1 个权重中保留的比例（0 %：深色，100 %：保留色）。每个权重 1 像素或更大时显示各类别。</translation>
    </message>
</context>
<context>
    <name>OutputFileForm</name>
    <message>
        <source>&amp;Browse…</source>
        <translation>浏览(&amp;B)…</translation>
    </message>
    <message>
        <source>&amp;Output file:</source>
        <translation>输出文件(&amp;O)：</translation>
    </message>
    <message>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
</context>
<context>
    <name>PinnedMask</name>
    <message>
        <source>%1 · %2 · level %3 % · %4 scope</source>
        <translation>%1 · %2 · 级别 %3 % · %4范围</translation>
    </message>
    <message>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>model, each layer %1–%2 %</source>
        <translation>模型，每层 %1–%2 %</translation>
    </message>
</context>
<context>
    <name>PytorchCopy</name>
    <message>
        <source>exported with File &gt; Export Masks in Sparsity Explorer</source>
        <translation>在 Sparsity Explorer 中用“文件 &gt; 导出掩码”导出</translation>
    </message>
    <message>
        <source>not exported yet: export this layer there with File &gt; Export Masks, then run this script</source>
        <translation>尚未导出：请先在那里用“文件 &gt; 导出掩码”导出该层，然后运行此脚本</translation>
    </message>
    <message>
        <source>The demo weights are a temporary copy that Sparsity Explorer removes when it quits: point SOURCE at a lasting copy of digits.h5.</source>
        <translation>演示权重是一个临时副本，Sparsity Explorer 退出时会将其删除：请让 SOURCE 指向一份长期保存的 digits.h5。</translation>
    </message>
</context>
<context>
    <name>SavedSession</name>
    <message>
        <source>%1: not a Sparsity Explorer session: %2</source>
        <translation>%1：不是 Sparsity Explorer 会话：%2</translation>
    </message>
    <message>
        <source>%1 has no number &quot;%2&quot;</source>
        <translation>%1 没有数值“%2”</translation>
    </message>
    <message>
        <source>%1: &quot;%2&quot; is not a whole number</source>
        <translation>%1：“%2”不是整数</translation>
    </message>
    <message>
        <source>%1 is not an object</source>
        <translation>%1 不是对象</translation>
    </message>
    <message>
        <source>%1 has no norm &quot;l1&quot; or &quot;l2&quot;</source>
        <translation>%1 没有范数“l1”或“l2”</translation>
    </message>
    <message>
        <source>JSON error at byte %1: %2</source>
        <translation>第 %1 字节处 JSON 错误：%2</translation>
    </message>
    <message>
        <source>no &quot;format&quot;: &quot;sparsity-explorer-session&quot;</source>
        <translation>没有 &quot;format&quot;: &quot;sparsity-explorer-session&quot;</translation>
    </message>
    <message>
        <source>version %1 is not %2</source>
        <translation>版本 %1 不是 %2</translation>
    </message>
    <message>
        <source>it names no file</source>
        <translation>它没有指明文件</translation>
    </message>
    <message>
        <source>layer %1</source>
        <translation>层 %1</translation>
    </message>
    <message>
        <source>%1: cannot write the session: %2</source>
        <translation>%1：无法写入会话：%2</translation>
    </message>
    <message>
        <source>%1: cannot read the session: %2</source>
        <translation>%1：无法读取会话：%2</translation>
    </message>
    <message>
        <source>bigger than 16 MiB</source>
        <translation>大于 16 MiB</translation>
    </message>
</context>
<context>
    <name>SparsityExplanation</name>
    <message>
        <source>Zeros per block is 0: a pruned block loses none of its weights, so nothing is zeroed.</source>
        <translation>每块置零数为 0：被剪枝的块不失去任何权重，因此没有权重被置零。</translation>
    </message>
    <message>
        <source>Model scope: the level %1 applies to the blocks of all layers ranked together; this layer&apos;s share is %2 of its %3 blocks (%4).</source>
        <translation>模型范围：级别 %1 作用于所有层一起排序的块；本层的份额是其 %3 个块中的 %2 个（%4）。</translation>
    </message>
    <message>
        <source>A level below 100 % keeps at least one block; this layer has 1 block, so none is pruned (k = round_half_even(%1 × 1) = 1, limited to N − 1 = 0).</source>
        <translation>低于 100 % 的级别至少保留一个块；本层只有 1 个块，因此不剪枝（k = round_half_even(%1 × 1) = 1，限制为 N − 1 = 0）。</translation>
    </message>
    <message>
        <source>A level below 100 % keeps at least one block: k = round_half_even(%1 × %2) = %3 is limited to N − 1 = %4 blocks.</source>
        <translation>低于 100 % 的级别至少保留一个块：k = round_half_even(%1 × %2) = %3 被限制为 N − 1 = %4 个块。</translation>
    </message>
    <message>
        <source>Only whole blocks are pruned: k = round_half_even(%1 × %2 blocks) = round_half_even(%3) = 0, so no block is pruned.</source>
        <translation>只剪整块：k = round_half_even(%1 × %2 个块) = round_half_even(%3) = 0，因此没有块被剪枝。</translation>
    </message>
    <message>
        <source>Only whole blocks are pruned: k = round_half_even(%1 × %2 blocks) = round_half_even(%3) = %4, which is %5 of the blocks.</source>
        <translation>只剪整块：k = round_half_even(%1 × %2 个块) = round_half_even(%3) = %4，占全部块的 %5。</translation>
    </message>
    <message>
        <source>At 100 % every block is pruned, but zeros per block removes only the %1 smallest of the %2 weights in each block: %3 of %4 weights are zero.</source>
        <translation>在 100 % 时所有块都被剪枝，但每块置零数只去掉每块 %2 个权重中最小的 %1 个：%4 个权重中有 %3 个为零。</translation>
    </message>
    <message>
        <source>Zeros per block removes only the %1 smallest of the %2 weights in each pruned block: %3 of %4 weights are zero.</source>
        <translation>每块置零数只去掉每个被剪枝块 %2 个权重中最小的 %1 个：%4 个权重中有 %3 个为零。</translation>
    </message>
    <message>
        <source>Edge blocks are partial: %1 × %2 does not divide into %3 × %4 blocks, so the blocks on the bottom and right edges (%5 of the %6) hold fewer weights.</source>
        <translation>边缘块不完整：%1 × %2 不能整除为 %3 × %4 的块，因此底边和右边的块（%6 个中的 %5 个）包含的权重更少。</translation>
    </message>
    <message>
        <source>Edge blocks are partial: %1 rows do not divide into blocks of %2 rows, so the blocks of the bottom block row (%3 of the %4) hold fewer weights.</source>
        <translation>边缘块不完整：%1 行不能整除为每块 %2 行，因此最下面一行块（%4 个中的 %3 个）包含的权重更少。</translation>
    </message>
    <message>
        <source>Edge blocks are partial: %1 columns do not divide into blocks of %2 columns, so the blocks of the right block column (%3 of the %4) hold fewer weights.</source>
        <translation>边缘块不完整：%1 列不能整除为每块 %2 列，因此最右边一列块（%4 个中的 %3 个）包含的权重更少。</translation>
    </message>
    <message>
        <source>Sparsity counts weights, not blocks: %1 of %2 blocks (%3) are pruned and %4 of the weights are zero.</source>
        <translation>稀疏度按权重计，而不是按块计：%2 个块中有 %1 个（%3）被剪枝，%4 的权重为零。</translation>
    </message>
</context>
<context>
    <name>SparsityPreset</name>
    <message>
        <source>PyTorch defaults</source>
        <translation>PyTorch 默认值</translation>
    </message>
    <message>
        <source>WeightNormSparsifier() with no arguments: sparsity_level=0.5, sparse_block_shape=(1, 4), zeros_per_block=4 (the whole block), norm=2 (L2).</source>
        <translation>不带参数的 WeightNormSparsifier()：sparsity_level=0.5，sparse_block_shape=(1, 4)，zeros_per_block=4（整个块），norm=2（L2）。</translation>
    </message>
    <message>
        <source>Unstructured (1x1)</source>
        <translation>非结构化 (1x1)</translation>
    </message>
    <message>
        <source>Single weights at 50 %: the smallest half is pruned.</source>
        <translation>单个权重，50 %：剪掉最小的一半。</translation>
    </message>
    <message>
        <source>2:4 (NVIDIA sparse tensor cores)</source>
        <translation>2:4（NVIDIA 稀疏张量核心）</translation>
    </message>
    <message>
        <source>1x4 blocks, 2 zeros per block, level 100 %: every group of four weights in a row keeps its two largest.</source>
        <translation>1x4 块，每块 2 个零，级别 100 %：一行中每组四个权重保留最大的两个。</translation>
    </message>
    <message>
        <source>1x4</source>
        <translation>1x4</translation>
    </message>
    <message>
        <source>Whole 1x4 blocks at 50 %.</source>
        <translation>整块 1x4，50 %。</translation>
    </message>
    <message>
        <source>4x1</source>
        <translation>4x1</translation>
    </message>
    <message>
        <source>Whole 4x1 blocks at 50 %.</source>
        <translation>整块 4x1，50 %。</translation>
    </message>
    <message>
        <source>4x4</source>
        <translation>4x4</translation>
    </message>
    <message>
        <source>Whole 4x4 blocks at 50 %.</source>
        <translation>整块 4x4，50 %。</translation>
    </message>
    <message>
        <source>8x8</source>
        <translation>8x8</translation>
    </message>
    <message>
        <source>Whole 8x8 blocks at 50 %.</source>
        <translation>整块 8x8，50 %。</translation>
    </message>
    <message>
        <source>16x16</source>
        <translation>16x16</translation>
    </message>
    <message>
        <source>Whole 16x16 blocks at 50 %.</source>
        <translation>整块 16x16，50 %。</translation>
    </message>
    <message>
        <source>32x32</source>
        <translation>32x32</translation>
    </message>
    <message>
        <source>Whole 32x32 blocks at 50 %.</source>
        <translation>整块 32x32，50 %。</translation>
    </message>
</context>
<context>
    <name>ValueHeatmapSource</name>
    <message>
        <source>NaN / inf (%1)</source>
        <translation>NaN / inf（%1 个）</translation>
    </message>
    <message>
        <source>block norm (L1: mean |w|)</source>
        <translation>块范数（L1：|w| 的均值）</translation>
    </message>
    <message>
        <source>block norm (L2: mean w²)</source>
        <translation>块范数（L2：w² 的均值）</translation>
    </message>
    <message>
        <source>Each pixel: the largest |w| among the %1 weights it covers.</source>
        <translation>每个像素：其覆盖的 %1 个权重中最大的 |w|。</translation>
    </message>
    <message>
        <source>Each pixel: the largest block norm among the %1 weights it covers.</source>
        <translation>每个像素：其覆盖的 %1 个权重中最大的块范数。</translation>
    </message>
    <message>
        <source>pruned (dimmed)</source>
        <translation>剪掉（变暗）</translation>
    </message>
    <message>
        <source>all kept</source>
        <translation>全部保留</translation>
    </message>
    <message>
        <source>half pruned</source>
        <translation>剪掉一半</translation>
    </message>
    <message>
        <source>all pruned (dimmed)</source>
        <translation>全部剪掉（变暗）</translation>
    </message>
    <message>
        <source>Each pixel: the colour of the largest kept |w| among the %1 weights it covers, dimmed in proportion to the share of them that is pruned (as the Mask view&apos;s kept share).</source>
        <translation>每个像素：其覆盖的 %1 个权重中最大的保留 |w| 的颜色，并按其中被剪掉的比例变暗（与“掩码”视图的保留比例一致）。</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::ComparePanel</name>
    <message>
        <source>&amp;Pin as A</source>
        <translation>固定为 A(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Unpin</source>
        <translation>取消固定(&amp;U)</translation>
    </message>
    <message>
        <source>Show &amp;Diff</source>
        <translation>显示差异(&amp;D)</translation>
    </message>
    <message>
        <source>Keep the mask on screen as A; then change the parameters to get B.</source>
        <translation>将屏幕上的掩码保留为 A；然后修改参数得到 B。</translation>
    </message>
    <message>
        <source>Show the heatmap&apos;s Compare A/B view</source>
        <translation>显示热图的“对比 A/B”视图</translation>
    </message>
    <message>
        <source>&lt;b&gt;A&lt;/b&gt;: %1</source>
        <translation>&lt;b&gt;A&lt;/b&gt;：%1</translation>
    </message>
    <message>
        <source>&lt;b&gt;A&lt;/b&gt;: not pinned</source>
        <translation>&lt;b&gt;A&lt;/b&gt;：未固定</translation>
    </message>
    <message>
        <source>&lt;b&gt;B&lt;/b&gt;: %1 (current)</source>
        <translation>&lt;b&gt;B&lt;/b&gt;：%1（当前）</translation>
    </message>
    <message>
        <source>&lt;b&gt;B&lt;/b&gt;: no layer shown</source>
        <translation>&lt;b&gt;B&lt;/b&gt;：未显示任何层</translation>
    </message>
    <message>
        <source>Pin the mask on screen as A, then change level, block or norm to compare.</source>
        <translation>将屏幕上的掩码固定为 A，然后修改级别、块或范数进行对比。</translation>
    </message>
    <message>
        <source>A belongs to %1; it is compared again there.</source>
        <translation>A 属于 %1；回到该层时会再次对比。</translation>
    </message>
    <message>
        <source>Counting…</source>
        <translation>正在计数…</translation>
    </message>
    <message>
        <source>IoU of the kept sets: %1</source>
        <translation>保留集合的 IoU：%1</translation>
    </message>
    <message>
        <source>IoU of the kept sets: —</source>
        <translation>保留集合的 IoU：—</translation>
    </message>
    <message>
        <source>%1 · %2 · level %3 %</source>
        <translation>%1 · %2 · 级别 %3 %</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::CurvesPanel</name>
    <message>
        <source>&amp;Add</source>
        <translation>添加(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>移除(&amp;R)</translation>
    </message>
    <message>
        <source>This layer</source>
        <translation>本层</translation>
    </message>
    <message>
        <source>Model (all layers)</source>
        <translation>模型（所有层）</translation>
    </message>
    <message>
        <source>Curves of the current layer, or of every sparsifiable layer of the file at the same level (counts and energies added).</source>
        <translation>当前层的曲线，或文件中所有可稀疏化层在同一级别下的曲线（计数和能量相加）。</translation>
    </message>
    <message>
        <source>Retained energy</source>
        <translation>保留能量</translation>
    </message>
    <message>
        <source>Retained L1</source>
        <translation>保留 L1</translation>
    </message>
    <message>
        <source>What the vertical axis shows: the share of Σw² or of Σ|w| the mask keeps.</source>
        <translation>纵轴显示的内容：掩码保留的 Σw² 或 Σ|w| 的比例。</translation>
    </message>
    <message>
        <source>Configurations drawn, with the current norm.</source>
        <translation>已绘制的配置，使用当前范数。</translation>
    </message>
    <message>
        <source>2x2, 4x4/8, 2:4</source>
        <translation>2x2, 4x4/8, 2:4</translation>
    </message>
    <message>
        <source>A block RxC, a block with zeros per block RxC/Z, or N:M (keep N of every M weights in a row).</source>
        <translation>块 RxC，带每块置零数的块 RxC/Z，或 N:M（一行中每 M 个权重保留 N 个）。</translation>
    </message>
    <message>
        <source>Configurations:</source>
        <translation>配置：</translation>
    </message>
    <message>
        <source>No layer of this file can be sparsified.</source>
        <translation>此文件中没有可稀疏化的层。</translation>
    </message>
    <message>
        <source>  (current)</source>
        <translation>  （当前）</translation>
    </message>
    <message>
        <source>achieved sparsity</source>
        <translation>实际稀疏度</translation>
    </message>
    <message>
        <source>retained L1</source>
        <translation>保留 L1</translation>
    </message>
    <message>
        <source>retained energy</source>
        <translation>保留能量</translation>
    </message>
    <message>
        <source> (current)</source>
        <translation>（当前）</translation>
    </message>
    <message>
        <source>Curves appear once a layer is shown.</source>
        <translation>显示某一层后才会出现曲线。</translation>
    </message>
    <message>
        <source>Model curves stopped: %1</source>
        <translation>模型曲线已停止：%1</translation>
    </message>
    <message>
        <source>Model: %1 of %2 layers swept…</source>
        <translation>模型：已扫描 %2 层中的 %1 层…</translation>
    </message>
    <message>
        <source>Reading and sweeping the first layer…</source>
        <translation>正在读取并扫描第一层…</translation>
    </message>
    <message numerus="yes">
        <source>Model: all %n layer(s), each at the same level</source>
        <translation>
            <numerusform>模型：全部 %n 层，每层同一级别</numerusform>
        </translation>
    </message>
    <message>
        <source>Curves failed: %1</source>
        <translation>曲线计算失败：%1</translation>
    </message>
    <message>
        <source>Layer: %1 of %2 curves swept…</source>
        <translation>层：已扫描 %2 条曲线中的 %1 条…</translation>
    </message>
    <message>
        <source>Sweeping %1…</source>
        <translation>正在扫描 %1…</translation>
    </message>
    <message>
        <source>Hover over a curve to read a point; click to apply it.</source>
        <translation>将鼠标悬停在曲线上读取数据点；单击以应用它。</translation>
    </message>
    <message>
        <source>%1 · level %2 · achieved sparsity %3 · retained energy %4 · retained L1 %5</source>
        <translation>%1 · 级别 %2 · 实际稀疏度 %3 · 保留能量 %4 · 保留 L1 %5</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::ExportDialog</name>
    <message>
        <source>&amp;Current layer (%1)</source>
        <translation>当前层 (%1)(&amp;C)</translation>
    </message>
    <message numerus="yes">
        <source>&amp;All %n sparsifiable layer(s), each with its own parameters</source>
        <translation>
            <numerusform>全部 %n 个可稀疏化的层，各用自己的参数(&amp;A)</numerusform>
        </translation>
    </message>
    <message>
        <source>Export Masks</source>
        <translation>导出掩码</translation>
    </message>
    <message>
        <source>Masks are written as uint8 datasets (1 = keep) at the same paths as the weights, with their parameters as attributes.</source>
        <translation>掩码以 uint8 数据集（1 = 保留）写在与权重相同的路径上，参数作为属性保存。</translation>
    </message>
    <message>
        <source>&amp;All layers, model scope: %1</source>
        <translation>全部层，模型范围：%1(&amp;A)</translation>
    </message>
    <message>
        <source>In model scope a layer&apos;s mask is its share of one ranking over all layers: they are written together.</source>
        <translation>在模型范围下，每层的掩码是它在所有层统一排序中的份额：它们会一起写出。</translation>
    </message>
    <message>
        <source>HDF5 files (*.h5 *.hdf5);;safetensors (*.safetensors)</source>
        <translation>HDF5 文件 (*.h5 *.hdf5);;safetensors 文件 (*.safetensors)</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::HistogramWidget</name>
    <message>
        <source>block norm</source>
        <translation>块范数</translation>
    </message>
    <message>
        <source>Computing histogram…</source>
        <translation>正在计算直方图…</translation>
    </message>
    <message>
        <source>No block norms</source>
        <translation>没有块范数</translation>
    </message>
    <message>
        <source>%1 (log scale)</source>
        <translation>%1（对数刻度）</translation>
    </message>
    <message>
        <source>%1 NaN/inf not shown</source>
        <translation>%1 个 NaN/inf 未显示</translation>
    </message>
    <message>
        <source>%1 zero not shown</source>
        <translation>%1 个零未显示</translation>
    </message>
    <message>
        <source>updating…</source>
        <translation>正在更新…</translation>
    </message>
    <message>
        <source>blocks</source>
        <translation>块数</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::HoverReadout</name>
    <message>
        <source>Point at the heatmap to read a weight, its block, the block&apos;s norm and its rank; drag to pan, wheel to zoom.</source>
        <translation>指向热图可读取权重、所在块、块的范数及其名次；拖动以平移，滚轮缩放。</translation>
    </message>
    <message>
        <source>row %1, col %2%3   w = %4   block %5 (%6, %7)</source>
        <translation>第 %1 行，第 %2 列%3   w = %4   块 %5 (%6, %7)</translation>
    </message>
    <message>
        <source>cut by the bottom and right edges</source>
        <translation>被底边和右边截断</translation>
    </message>
    <message>
        <source>cut by the bottom edge</source>
        <translation>被底边截断</translation>
    </message>
    <message>
        <source>cut by the right edge</source>
        <translation>被右边截断</translation>
    </message>
    <message>
        <source>   block %1×%2 of %3×%4, partial: %5</source>
        <translation>   块 %1×%2（满块 %3×%4），不完整：%5</translation>
    </message>
    <message>
        <source>   norm %1</source>
        <translation>   范数 %1</translation>
    </message>
    <message>
        <source>   rank %1 of %2 (rank 1 = smallest norm, pruned first)</source>
        <translation>   名次 %1 / %2（第 1 名 = 范数最小，最先剪枝）</translation>
    </message>
    <message>
        <source>   rank …</source>
        <translation>   名次 …</translation>
    </message>
    <message>
        <source>   kept: its block is pruned but zeros per block removes only the %1 smallest of %2</source>
        <translation>   保留：所在块被剪枝，但每块置零数只去掉 %2 个中最小的 %1 个</translation>
    </message>
    <message>
        <source>   kept</source>
        <translation>   保留</translation>
    </message>
    <message>
        <source>   pruned</source>
        <translation>   剪掉</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::ImageExportDialog</name>
    <message>
        <source>As &amp;shown: %1×%2 px, with title, colorbar and legend (for slides)</source>
        <translation>按显示(&amp;S)：%1×%2 像素，带标题、色条和图例（用于幻灯片）</translation>
    </message>
    <message>
        <source>&amp;One pixel per weight: %1×%2 px, the picture only</source>
        <translation>每个权重一个像素(&amp;O)：%1×%2 像素，仅图像</translation>
    </message>
    <message>
        <source>Export Image</source>
        <translation>导出图像</translation>
    </message>
    <message>
        <source>Layers longer than 16384 weights are scaled down to 16384 px.</source>
        <translation>超过 16384 个权重的边会缩小到 16384 像素。</translation>
    </message>
    <message>
        <source>Zoomed out, each pixel of a mask view shows the share of kept weights under it; the legend in the picture says so.</source>
        <translation>缩小时，掩码视图的每个像素显示其下保留权重的比例；图中的图例会说明这一点。</translation>
    </message>
    <message>
        <source>Overwrite File?</source>
        <translation>覆盖文件？</translation>
    </message>
    <message>
        <source>%1 already exists. Replace it?</source>
        <translation>%1 已存在。要替换它吗？</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::ImageExportFlow</name>
    <message>
        <source>Rendering the image…</source>
        <translation>正在渲染图像…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Export Image</source>
        <translation>导出图像</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>The image was not exported</source>
        <translation>图像未导出</translation>
    </message>
    <message>
        <source>There is no image yet.</source>
        <translation>还没有图像。</translation>
    </message>
    <message>
        <source>The view was closed.</source>
        <translation>视图已关闭。</translation>
    </message>
    <message>
        <source>An image of %1×%2 pixels does not fit in memory.</source>
        <translation>%1×%2 像素的图像无法放入内存。</translation>
    </message>
    <message>
        <source>Writing the PNG file…</source>
        <translation>正在写入 PNG 文件…</translation>
    </message>
    <message>
        <source>Writing the PNG file… %1 MB written</source>
        <translation>正在写入 PNG 文件… 已写入 %1 MB</translation>
    </message>
    <message>
        <source>%1 cannot be written: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Image export cancelled; no file was written.</source>
        <translation>图像导出已取消；未写入任何文件。</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::LayerBrowser</name>
    <message>
        <source>Filter layers</source>
        <translation>筛选层</translation>
    </message>
    <message>
        <source>Shows the layers whose path contains this text, and everything in a group that matches</source>
        <translation>显示路径包含此文本的层，以及匹配的组中的所有内容</translation>
    </message>
    <message>
        <source>a.b</source>
        <translation>a.b</translation>
    </message>
    <message>
        <source>Group by dots: show names such as encoder.layers.0.weight as a tree of their parts</source>
        <translation>按点分组：将 encoder.layers.0.weight 这样的名称按各部分显示为树</translation>
    </message>
    <message>
        <source>Copy Path</source>
        <translation>复制路径</translation>
    </message>
    <message>
        <source>&amp;Show Layer</source>
        <translation>显示该层(&amp;S)</translation>
    </message>
    <message>
        <source>Copy &amp;Path</source>
        <translation>复制路径(&amp;P)</translation>
    </message>
    <message>
        <source>Copy S&amp;hape</source>
        <translation>复制形状(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Export Mask of This Layer…</source>
        <translation>导出该层的掩码(&amp;E)…</translation>
    </message>
    <message>
        <source>E&amp;xpand All</source>
        <translation>全部展开(&amp;X)</translation>
    </message>
    <message>
        <source>&amp;Collapse All</source>
        <translation>全部折叠(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Group by Dots</source>
        <translation>按点分组(&amp;G)</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::LayerTreeModel</name>
    <message>
        <source>%1 → %2</source>
        <translation>%1 → %2</translation>
    </message>
    <message>
        <source>%1
Datasets whose names start with “%2.” (grouped at dots)</source>
        <translation>%1
名称以“%2.”开头的数据集（按点分组）</translation>
    </message>
    <message>
        <source>%1
Cannot be sparsified: %2</source>
        <translation>%1
无法稀疏化：%2</translation>
    </message>
    <message>
        <source>%1
Not masked by default (%2); select it to view it anyway.</source>
        <translation>%1
默认不生成掩码（%2）；选中它仍可查看。</translation>
    </message>
    <message>
        <source>%1
%2 %3, %4 weights</source>
        <translation>%1
%2 %3，%4 个权重</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::LayerView</name>
    <message>
        <source>&amp;Log scale</source>
        <translation>对数刻度(&amp;L)</translation>
    </message>
    <message>
        <source>S&amp;tretch</source>
        <translation>拉伸(&amp;T)</translation>
    </message>
    <message>
        <source>|Weights|</source>
        <translation>|权重|</translation>
    </message>
    <message>
        <source>Block Norms</source>
        <translation>块范数</translation>
    </message>
    <message>
        <source>Mask</source>
        <translation>掩码</translation>
    </message>
    <message>
        <source>Mask over Weights</source>
        <translation>掩码叠加权重</translation>
    </message>
    <message>
        <source>Compare A/B</source>
        <translation>对比 A/B</translation>
    </message>
    <message>
        <source>Magnitude of every weight</source>
        <translation>每个权重的绝对值</translation>
    </message>
    <message>
        <source>The norm of each element&apos;s block: what pruning ranks</source>
        <translation>每个元素所在块的范数：剪枝据此排序</translation>
    </message>
    <message>
        <source>Which weights are kept and which are pruned</source>
        <translation>哪些权重保留，哪些被剪掉</translation>
    </message>
    <message>
        <source>The weights, with the pruned ones dimmed</source>
        <translation>权重，被剪掉的变暗显示</translation>
    </message>
    <message>
        <source>Pinned mask A against the current mask B (Compare dock)</source>
        <translation>固定的掩码 A 与当前掩码 B 的对比（对比面板）</translation>
    </message>
    <message>
        <source>Colour map of the value views</source>
        <translation>数值视图的色图</translation>
    </message>
    <message>
        <source>Logarithmic colour scale: shows small values that span decades</source>
        <translation>对数色标：显示跨越多个数量级的小数值</translation>
    </message>
    <message>
        <source>Fill the view in both directions when fitting: a thin layer (512 × 9) becomes readable, cells are no longer square</source>
        <translation>适应窗口时在两个方向上填满视图：细长的层（512 × 9）变得可读，格子不再是正方形</translation>
    </message>
    <message>
        <source>&amp;Colours:</source>
        <translation>颜色(&amp;C)：</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::LearnGridView</name>
    <message>
        <source>below 0</source>
        <translation>小于 0</translation>
    </message>
    <message>
        <source>above 0</source>
        <translation>大于 0</translation>
    </message>
    <message>
        <source>small</source>
        <translation>小</translation>
    </message>
    <message>
        <source>large</source>
        <translation>大</translation>
    </message>
    <message>
        <source>one block (neighbours alternate)</source>
        <translation>一个块（相邻块交替着色）</translation>
    </message>
    <message>
        <source>hatched: partial block</source>
        <translation>斜线：不完整块</translation>
    </message>
    <message>
        <source>rank 1, pruned first</source>
        <translation>第 1 名，最先剪枝</translation>
    </message>
    <message>
        <source>last rank</source>
        <translation>最后一名</translation>
    </message>
    <message>
        <source>among the first k: pruned</source>
        <translation>在前 k 名内：剪枝</translation>
    </message>
    <message>
        <source>pruned block</source>
        <translation>被剪枝的块</translation>
    </message>
    <message>
        <source>after the first k: kept</source>
        <translation>在前 k 名之后：保留</translation>
    </message>
    <message>
        <source>kept block</source>
        <translation>保留的块</translation>
    </message>
    <message>
        <source>becomes 0 (small: the weight it had)</source>
        <translation>变为 0（小字：原来的权重）</translation>
    </message>
    <message>
        <source>becomes 0</source>
        <translation>变为 0</translation>
    </message>
    <message>
        <source>stays, inside a pruned block</source>
        <translation>保留（位于被剪枝的块内）</translation>
    </message>
    <message>
        <source>NaN or infinite</source>
        <translation>NaN 或无穷大</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::LearnPanel</name>
    <message>
        <source>New random</source>
        <translation>重新随机</translation>
    </message>
    <message>
        <source>Take slice at the view&apos;s centre</source>
        <translation>从视图中心截取</translation>
    </message>
    <message>
        <source>Edit numbers</source>
        <translation>编辑数字</translation>
    </message>
    <message>
        <source>◀ Back</source>
        <translation>◀ 上一步</translation>
    </message>
    <message>
        <source>Next ▶</source>
        <translation>下一步 ▶</translation>
    </message>
    <message>
        <source>Random numbers</source>
        <translation>随机数</translation>
    </message>
    <message>
        <source>Slice of the layer</source>
        <translation>层的切片</translation>
    </message>
    <message>
        <source>Typed numbers</source>
        <translation>输入的数字</translation>
    </message>
    <message>
        <source>Which small matrix the steps are shown on</source>
        <translation>在哪个小矩阵上演示这些步骤</translation>
    </message>
    <message>
        <source>Rows of the small matrix</source>
        <translation>小矩阵的行数</translation>
    </message>
    <message>
        <source>Columns of the small matrix; a size that is not a multiple of the block gives partial blocks</source>
        <translation>小矩阵的列数；不是块大小倍数的尺寸会产生不完整块</translation>
    </message>
    <message>
        <source>The same seed always gives the same numbers</source>
        <translation>相同的种子总是给出相同的数字</translation>
    </message>
    <message>
        <source>Copy the weights around the centre of the heatmap, starting on a block boundary</source>
        <translation>复制热图中心附近的权重，从块边界开始</translation>
    </message>
    <message>
        <source>Type your own numbers into the matrix (float32)</source>
        <translation>在矩阵中输入你自己的数字（float32）</translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation>种子：</translation>
    </message>
    <message>
        <source>Type numbers into the table; NaN and inf are allowed.</source>
        <translation>在表格中输入数字；允许 NaN 和 inf。</translation>
    </message>
    <message>
        <source>Matrix:</source>
        <translation>矩阵：</translation>
    </message>
    <message>
        <source>Open a file first: a slice is taken from the layer on screen.</source>
        <translation>请先打开一个文件：切片取自屏幕上显示的层。</translation>
    </message>
    <message>
        <source>Row %1, column %2: “%3” is not a number; the cell keeps %4.</source>
        <translation>第 %1 行，第 %2 列：“%3”不是数字；该格保持 %4。</translation>
    </message>
    <message>
        <source>Row %1, column %2: %3 is too large for float32 and becomes %4.</source>
        <translation>第 %1 行，第 %2 列：%3 超出 float32 的范围，变为 %4。</translation>
    </message>
    <message>
        <source>The matrix: %1.</source>
        <translation>矩阵：%1。</translation>
    </message>
    <message>
        <source>Parameters (from the Parameters panel): level %1 %, block %2 × %3, zeros per block %4, norm %5.</source>
        <translation>参数（来自“参数”面板）：级别 %1 %，块 %2 × %3，每块置零数 %4，范数 %5。</translation>
    </message>
    <message>
        <source>Step %1 of %2</source>
        <translation>第 %1 步，共 %2 步</translation>
    </message>
    <message>
        <source>Step %1 of %2: %3</source>
        <translation>第 %1 步，共 %2 步：%3</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::MainWindow</name>
    <message>
        <source>Computing…</source>
        <translation>正在计算…</translation>
    </message>
    <message>
        <source>Curves</source>
        <translation>曲线</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>Learn</source>
        <translation>学习</translation>
    </message>
    <message>
        <source>&amp;Learn Block Sparsity…</source>
        <translation>学习块稀疏(&amp;L)…</translation>
    </message>
    <message>
        <source>Block sparsity step by step on a small matrix</source>
        <translation>在小矩阵上一步步演示块稀疏</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <source>Block Norm Histogram</source>
        <translation>块范数直方图</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>The file cannot be opened</source>
        <translation>无法打开文件</translation>
    </message>
    <message>
        <source>%1 cannot be opened.</source>
        <translation>无法打开 %1。</translation>
    </message>
    <message>
        <source>The layer cannot be shown</source>
        <translation>无法显示该层</translation>
    </message>
    <message>
        <source>%1: dataset &apos;%2&apos;: %3</source>
        <translation>%1：数据集“%2”：%3</translation>
    </message>
    <message>
        <source>Open Weights</source>
        <translation>打开权重</translation>
    </message>
    <message>
        <source>%1: dataset &apos;%2&apos; cannot be sparsified: %3</source>
        <translation>%1：数据集“%2”无法稀疏化：%3</translation>
    </message>
    <message>
        <source>%1: there is no dataset &apos;%2&apos;</source>
        <translation>%1：没有数据集“%2”</translation>
    </message>
    <message>
        <source>No dataset in %1 can be sparsified.</source>
        <translation>%1 中没有可稀疏化的数据集。</translation>
    </message>
    <message numerus="yes">
        <source>These parameters now apply to all %n sparsifiable layer(s).</source>
        <translation>
            <numerusform>这些参数现已应用于全部 %n 个可稀疏化的层。</numerusform>
        </translation>
    </message>
    <message>
        <source>level %1 %, each layer between %2 % and %3 %</source>
        <translation>级别 %1 %，每层介于 %2 % 与 %3 % 之间</translation>
    </message>
    <message>
        <source>The masks were not exported</source>
        <translation>掩码未导出</translation>
    </message>
    <message>
        <source>No layer to export was chosen.</source>
        <translation>没有选择要导出的层。</translation>
    </message>
    <message>
        <source>Copied a PyTorch script for %1, comparing with %2</source>
        <translation>已复制 %1 的 PyTorch 脚本，与 %2 对比</translation>
    </message>
    <message>
        <source>%1 · %2 · %3, level %4 % (achieved %5 %) · %6</source>
        <translation>%1 · %2 · %3，级别 %4 %（实际 %5 %）· %6</translation>
    </message>
    <message>
        <source>digits.h5 (demo)</source>
        <translation>digits.h5（演示）</translation>
    </message>
    <message>
        <source>Sparsity Explorer</source>
        <translation>Sparsity Explorer</translation>
    </message>
    <message>
        <source> — Sparsity Explorer</source>
        <translation> — Sparsity Explorer</translation>
    </message>
    <message>
        <source>%1 was replaced since the session was saved: the weights may differ.</source>
        <translation>保存会话后 %1 已被替换：权重可能不同。</translation>
    </message>
    <message>
        <source>%1 was modified since the session was saved: the weights may differ.</source>
        <translation>保存会话后 %1 已被修改：权重可能不同。</translation>
    </message>
    <message numerus="yes">
        <source>%n layer(s) of the session are not in the file any more: %1</source>
        <translation>
            <numerusform>会话中的 %n 个层已不在文件中：%1</numerusform>
        </translation>
    </message>
    <message>
        <source>The layer %1 cannot be shown any more.</source>
        <translation>层 %1 已无法显示。</translation>
    </message>
    <message numerus="yes">
        <source>Restored the session on %1: %n layer(s) with parameters of their own%2.</source>
        <translation>
            <numerusform>已恢复 %1 上的会话：%n 个层有各自的参数%2。</numerusform>
        </translation>
    </message>
    <message>
        <source>, model scope</source>
        <translation>，模型范围</translation>
    </message>
    <message>
        <source>The language cannot be changed</source>
        <translation>无法切换语言</translation>
    </message>
    <message>
        <source>The translation %1 cannot be loaded.</source>
        <translation>无法加载翻译 %1。</translation>
    </message>
    <message>
        <source>Weight files (*.h5 *.hdf5 *.hdf *.he5 *.safetensors *.safetensors.index.json *.npy *.npz);;HDF5 files (*.h5 *.hdf5 *.hdf *.he5);;safetensors (*.safetensors *.safetensors.index.json);;NumPy arrays (*.npy *.npz);;All files (*)</source>
        <translation>权重文件 (*.h5 *.hdf5 *.hdf *.he5 *.safetensors *.safetensors.index.json *.npy *.npz);;HDF5 文件 (*.h5 *.hdf5 *.hdf *.he5);;safetensors 文件 (*.safetensors *.safetensors.index.json);;NumPy 数组 (*.npy *.npz);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open a weight file: HDF5, safetensors or NumPy (File ▸ Open, Ctrl+O), or drop one here.</source>
        <translation>打开一个权重文件：HDF5、safetensors 或 NumPy（文件 ▸ 打开，Ctrl+O），或将文件拖放到这里。</translation>
    </message>
    <message>
        <source>Export Pruned Weights</source>
        <translation>导出剪枝后的权重</translation>
    </message>
    <message>
        <source>The pruned weights were not exported</source>
        <translation>剪枝后的权重未导出</translation>
    </message>
    <message>
        <source>The file has no layer that can be pruned.</source>
        <translation>该文件没有可剪枝的层。</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::MainWindowActions</name>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;Demo Weights</source>
        <translation>打开演示权重(&amp;D)</translation>
    </message>
    <message>
        <source>The small MLP and CNN trained on the digits data set</source>
        <translation>在 digits 数据集上训练的小型 MLP 和 CNN</translation>
    </message>
    <message>
        <source>&amp;Export Masks…</source>
        <translation>导出掩码(&amp;E)…</translation>
    </message>
    <message>
        <source>Export &amp;Image…</source>
        <translation>导出图像(&amp;I)…</translation>
    </message>
    <message>
        <source>Save the current view as PNG, one pixel per weight</source>
        <translation>将当前视图保存为 PNG，每个权重一个像素</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Fit to Window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Actual Size (1:1)</source>
        <translation>实际大小 (1:1)(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Logarithmic Scale</source>
        <translation>对数刻度(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Pin Mask as A</source>
        <translation>将掩码固定为 A(&amp;P)</translation>
    </message>
    <message>
        <source>Keep the mask on screen as A, to compare with the next ones</source>
        <translation>将屏幕上的掩码保留为 A，用于与之后的掩码对比</translation>
    </message>
    <message>
        <source>&amp;Unpin A</source>
        <translation>取消固定 A(&amp;U)</translation>
    </message>
    <message>
        <source>Apply Parameters to &amp;All Layers</source>
        <translation>将参数应用到所有层(&amp;A)</translation>
    </message>
    <message>
        <source>Copy as &amp;PyTorch</source>
        <translation>复制为 PyTorch 代码(&amp;P)</translation>
    </message>
    <message>
        <source>Copy a Python script that rebuilds this layer&apos;s mask with PyTorch&apos;s WeightNormSparsifier and compares it with the exported mask</source>
        <translation>复制一个 Python 脚本：用 PyTorch 的 WeightNormSparsifier 重建该层的掩码，并与导出的掩码对比</translation>
    </message>
    <message>
        <source>&amp;About Sparsity Explorer</source>
        <translation>关于 Sparsity Explorer(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>|&amp;Weights|</source>
        <translation>|权重|(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;Block Norms</source>
        <translation>块范数(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Mask</source>
        <translation>掩码(&amp;M)</translation>
    </message>
    <message>
        <source>Mask &amp;over Weights</source>
        <translation>掩码叠加权重(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Compare A/B</source>
        <translation>对比 A/B(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Layer</source>
        <translation>层(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>About Sparsity Explorer</source>
        <translation>关于 Sparsity Explorer</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Sparsity Explorer %1&lt;/h3&gt;&lt;p&gt;Shows what block weight sparsity does to a layer: the blocks with the smallest norms are pruned, as PyTorch&apos;s WeightNormSparsifier does. Masks are exported to HDF5 for use in training or inference.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Sparsity Explorer %1&lt;/h3&gt;&lt;p&gt;展示块权重稀疏对一个层的作用：与 PyTorch 的 WeightNormSparsifier 一样，剪掉范数最小的块。掩码可导出为 HDF5，用于训练或推理。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>Open a file of weights (HDF5, safetensors, NumPy .npy or .npz)</source>
        <translation>打开一个权重文件（HDF5、safetensors、NumPy .npy 或 .npz）</translation>
    </message>
    <message>
        <source>Write the masks to an HDF5 or safetensors file</source>
        <translation>将掩码写入 HDF5 或 safetensors 文件</translation>
    </message>
    <message>
        <source>Export &amp;Pruned Weights…</source>
        <translation>导出剪枝后的权重(&amp;P)…</translation>
    </message>
    <message>
        <source>Write a copy of the weights, in their own format, with the pruned weights set to zero</source>
        <translation>以原格式写出权重的副本，其中被剪枝的权重置为零</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::MaskExportFlow</name>
    <message>
        <source>Masking %1 (%2 of %3)…</source>
        <translation>正在生成 %1 的掩码（%3 个中的第 %2 个）…</translation>
    </message>
    <message numerus="yes">
        <source>Wrote %n mask(s) to %1</source>
        <translation>
            <numerusform>已将 %n 个掩码写入 %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Export cancelled; no file was written.</source>
        <translation>导出已取消；未写入任何文件。</translation>
    </message>
    <message>
        <source>The masks were not exported</source>
        <translation>掩码未导出</translation>
    </message>
    <message>
        <source>Exporting masks…</source>
        <translation>正在导出掩码…</translation>
    </message>
    <message>
        <source>Export Masks</source>
        <translation>导出掩码</translation>
    </message>
    <message>
        <source>%1 already exists. Replace it with the new masks?</source>
        <translation>%1 已存在。要用新的掩码替换它吗？</translation>
    </message>
    <message>
        <source>Not exported; %1 was kept.</source>
        <translation>未导出；%1 保持不变。</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::ModelTableModel</name>
    <message>
        <source>n/a</source>
        <translation>无</translation>
    </message>
    <message numerus="yes">
        <source>Model (%n layer(s))</source>
        <translation>
            <numerusform>模型（%n 层）</numerusform>
        </translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>%1 (%2, %3): double-click to show it</source>
        <translation>%1（%2，%3）：双击以显示</translation>
    </message>
    <message>
        <source>The model&apos;s numbers: zeros and elements added, energies and L1 sums added before the ratios are taken.</source>
        <translation>模型的数值：零和元素数相加，能量和 L1 和先相加再求比例。</translation>
    </message>
    <message>
        <source>≈: estimated from the layer&apos;s ranking (its running sums, one chunk interpolated); exact where computed from the weights.</source>
        <translation>≈：根据该层的排序估算（其累计和，在一个分段内插值）；由权重计算的数值是精确的。</translation>
    </message>
    <message>
        <source>Waiting for every layer&apos;s ranking (model scope).</source>
        <translation>正在等待所有层的排序（模型范围）。</translation>
    </message>
    <message>
        <source>Waiting for this layer&apos;s ranking.</source>
        <translation>正在等待本层的排序。</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Blocks</source>
        <translation>块数</translation>
    </message>
    <message>
        <source>Pruned
blocks</source>
        <translation>剪枝
块数</translation>
    </message>
    <message>
        <source>Achieved
sparsity</source>
        <translation>实际
稀疏度</translation>
    </message>
    <message>
        <source>Retained
energy</source>
        <translation>保留
能量</translation>
    </message>
    <message>
        <source>Retained
L1</source>
        <translation>保留
L1</translation>
    </message>
    <message>
        <source>Blocks pruned at the level on screen.</source>
        <translation>屏幕上所示级别下被剪枝的块数。</translation>
    </message>
    <message>
        <source>Achieved sparsity: zeros / weights.</source>
        <translation>实际稀疏度：零的个数 / 权重个数。</translation>
    </message>
    <message>
        <source>Σ(w² kept) / Σ(w²)</source>
        <translation>Σ(保留的 w²) / Σ(w²)</translation>
    </message>
    <message>
        <source>Σ|w kept| / Σ|w|</source>
        <translation>Σ|保留的 w| / Σ|w|</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::ModelView</name>
    <message>
        <source>Ranking layers: %v of %m</source>
        <translation>正在排序各层：%v / %m</translation>
    </message>
    <message>
        <source>Double-click a layer to show it. Click a header to sort.</source>
        <translation>双击一层以显示它。单击表头排序。</translation>
    </message>
    <message>
        <source>%1
%2 sparse; %3 pruned blocks; retained energy %4</source>
        <translation>%1
稀疏度 %2；剪枝块 %3 个；保留能量 %4</translation>
    </message>
    <message>
        <source>%1
%2</source>
        <translation>%1
%2</translation>
    </message>
    <message>
        <source>Open a file to see its layers.</source>
        <translation>打开一个文件以查看其各层。</translation>
    </message>
    <message>
        <source>No layer of this file can be masked by default.</source>
        <translation>此文件中没有默认可生成掩码的层。</translation>
    </message>
    <message>
        <source>Layer scope: each layer ranked alone, %1 at level %2.</source>
        <translation>层范围：每层单独排序，%1，级别 %2。</translation>
    </message>
    <message numerus="yes">
        <source>Model scope: one ranking over %n layer(s), %1 at model level %2, each layer between %3 and %4.</source>
        <translation>
            <numerusform>模型范围：%n 个层统一排序，%1，模型级别 %2，每层介于 %3 与 %4 之间。</numerusform>
        </translation>
    </message>
    <message>
        <source>Unavailable: a layer cannot be ranked: %1</source>
        <translation>不可用：有一层无法排序：%1</translation>
    </message>
    <message>
        <source>Pending: %1 of %2 layers ranked; the numbers appear when all are.</source>
        <translation>等待中：已排序 %2 层中的 %1 层；全部完成后显示数值。</translation>
    </message>
    <message>
        <source>The rankings keep %1.</source>
        <translation>排序占用 %1。</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::NormHistogramPanel</name>
    <message>
        <source>block norm (mean |w|)</source>
        <translation>块范数（|w| 的均值）</translation>
    </message>
    <message>
        <source>block norm (mean w²)</source>
        <translation>块范数（w² 的均值）</translation>
    </message>
    <message>
        <source>1 block of %1</source>
        <translation>1 个 %1 的块</translation>
    </message>
    <message>
        <source>%1 blocks of %2</source>
        <translation>%1 个 %2 的块</translation>
    </message>
    <message>
        <source>none is pruned at this level.</source>
        <translation>在此级别下没有块被剪枝。</translation>
    </message>
    <message>
        <source>it is pruned.</source>
        <translation>它被剪枝。</translation>
    </message>
    <message>
        <source>all are pruned.</source>
        <translation>全部被剪枝。</translation>
    </message>
    <message>
        <source>the one with the smallest norm is pruned (shaded).</source>
        <translation>范数最小的那个被剪枝（阴影部分）。</translation>
    </message>
    <message>
        <source>the %1 with the smallest norms are pruned (shaded).</source>
        <translation>范数最小的 %1 个被剪枝（阴影部分）。</translation>
    </message>
    <message>
        <source>%1; %2 Drag the line to change the level.</source>
        <translation>%1；%2拖动竖线可改变级别。</translation>
    </message>
    <message>
        <source>Block norms: select a layer.</source>
        <translation>块范数：请选择一层。</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::ParameterPanel</name>
    <message>
        <source>sparsity_level in PyTorch: the fraction of the blocks to prune, those with the smallest norms. k = round_half_even(level × blocks); below 100 % at least one block is kept.</source>
        <translation>PyTorch 中的 sparsity_level：要剪掉的块所占比例，剪掉范数最小的块。k = round_half_even(级别 × 块数)；低于 100 % 时至少保留一个块。</translation>
    </message>
    <message>
        <source>sparse_block_shape[0] in PyTorch: the rows of a block (bh). Blocks tile the matrix from the top left; a pruned block loses zeros per block of its weights.</source>
        <translation>PyTorch 中的 sparse_block_shape[0]：块的行数 (bh)。块从左上角开始铺满矩阵；被剪枝的块失去“每块置零数”个权重。</translation>
    </message>
    <message>
        <source>sparse_block_shape[1] in PyTorch: the columns of a block (bw). Edge blocks that the matrix cuts are partial: their norm is the mean over the weights they hold.</source>
        <translation>PyTorch 中的 sparse_block_shape[1]：块的列数 (bw)。被矩阵截断的边缘块不完整：其范数是它所含权重的均值。</translation>
    </message>
    <message>
        <source>Apply to All Layers</source>
        <translation>应用到所有层</translation>
    </message>
    <message>
        <source>&amp;Level:</source>
        <translation>级别(&amp;L)：</translation>
    </message>
    <message>
        <source>La&amp;yer</source>
        <translation>层(&amp;Y)</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>Layer &amp;bounds:</source>
        <translation>每层上下限(&amp;B)：</translation>
    </message>
    <message>
        <source>Every layer prunes at least this share of its own blocks.</source>
        <translation>每层至少剪掉自身块的这一比例。</translation>
    </message>
    <message>
        <source>No layer prunes more than this share of its own blocks.</source>
        <translation>每层剪掉的块不超过自身块的这一比例。</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>A whole configuration at once: level, block shape and zeros per block (PyTorch defaults also sets the norm). 2:4 zeros two of every four weights in a row.</source>
        <translation>一次设定整套配置：级别、块形状和每块置零数（“PyTorch 默认值”还会设定范数）。2:4 表示一行中每四个权重置零两个。</translation>
    </message>
    <message>
        <source>zeros_per_block in PyTorch: the weights zeroed in each pruned block, the smallest first; the maximum (PyTorch&apos;s default) zeros the whole block. 0 prunes nothing.</source>
        <translation>PyTorch 中的 zeros_per_block：每个被剪枝块中置零的权重数，最小的先置零；最大值（PyTorch 的默认值）将整个块置零。0 表示不剪枝。</translation>
    </message>
    <message>
        <source>L2 (mean of w²)</source>
        <translation>L2（w² 的均值）</translation>
    </message>
    <message>
        <source>L1 (mean of |w|)</source>
        <translation>L1（|w| 的均值）</translation>
    </message>
    <message>
        <source>norm in PyTorch (1 or 2, default 2): how a block&apos;s importance is measured, the mean of |w| (L1) or of w² (L2, no square root) over its weights. The smallest are pruned first.</source>
        <translation>PyTorch 中的 norm（1 或 2，默认 2）：衡量块的重要性的方式，即块内权重的 |w| 均值 (L1) 或 w² 均值（L2，不开平方根）。最小的最先被剪枝。</translation>
    </message>
    <message>
        <source>Use these parameters for every layer of the file.</source>
        <translation>将这些参数用于文件中的每一层。</translation>
    </message>
    <message>
        <source>Each layer ranks its own blocks and has its own parameters.</source>
        <translation>每层单独对自己的块排序，并有自己的参数。</translation>
    </message>
    <message>
        <source>The layers share one ranking of block norms: one level for the whole model, taking its blocks wherever the norms are smallest. One configuration for all.</source>
        <translation>各层共用一个块范数排序：整个模型一个级别，从范数最小的地方剪块，不论在哪一层。所有层一套配置。</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>&amp;Block (rows × cols):</source>
        <translation>块（行 × 列）(&amp;B)：</translation>
    </message>
    <message>
        <source>Scope:</source>
        <translation>范围：</translation>
    </message>
    <message>
        <source>&amp;Preset:</source>
        <translation>预设(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Zeros per block:</source>
        <translation>每块置零数(&amp;Z)：</translation>
    </message>
    <message>
        <source>&amp;Norm:</source>
        <translation>范数(&amp;N)：</translation>
    </message>
    <message>
        <source> of %1</source>
        <translation> / %1</translation>
    </message>
    <message>
        <source>Model &amp;level:</source>
        <translation>模型级别(&amp;L)：</translation>
    </message>
    <message>
        <source>sparsity_level in PyTorch, but for all the model&apos;s blocks together (PyTorch ranks each tensor alone): the fraction to prune, those with the smallest norms across every layer, within each layer&apos;s bounds.</source>
        <translation>相当于 PyTorch 中的 sparsity_level，但作用于模型的全部块（PyTorch 对每个张量单独排序）：要剪掉的比例，在每层的上下限内，剪掉所有层中范数最小的块。</translation>
    </message>
    <message>
        <source>Lay&amp;out, view:</source>
        <translation>布局、视图(&amp;O)：</translation>
    </message>
    <message>
        <source>Auto (%1)</source>
        <translation>自动（%1）</translation>
    </message>
    <message>
        <source>PyTorch (out, in, kh, kw)</source>
        <translation>PyTorch（out, in, kh, kw）</translation>
    </message>
    <message>
        <source>Keras (kh, kw, in, out)</source>
        <translation>Keras（kh, kw, in, out）</translation>
    </message>
    <message>
        <source>Which axis of the stored tensor is which. Keras keeps a Dense kernel as (in, out) and a Conv2D kernel as (kh, kw, in, out); it is masked as PyTorch&apos;s (out, in, kh, kw). Auto: Keras when the file has Keras&apos;s attributes. The mask keeps the stored shape.</source>
        <translation>存储张量的各轴分别是什么。Keras 将 Dense 核存为 (in, out)，将 Conv2D 核存为 (kh, kw, in, out)；掩码按 PyTorch 的 (out, in, kh, kw) 计算。自动：文件带有 Keras 属性时为 Keras。掩码保持存储时的形状。</translation>
    </message>
    <message>
        <source>Flatten (out × in·kh·kw)</source>
        <translation>展平（out × in·kh·kw）</translation>
    </message>
    <message>
        <source>Channels-last (out·kh·kw × in)</source>
        <translation>通道在后（out·kh·kw × in）</translation>
    </message>
    <message>
        <source>How the tensor becomes the masked matrix. Channels-last makes the input channels the columns, so a 1×4 block or 2:4 group covers four input channels at one kernel position, as sparse tensor cores need. Both give the same matrix for 2-D weights.</source>
        <translation>张量如何变为被掩码的矩阵。通道在后时输入通道成为列，因此 1×4 块或 2:4 组覆盖同一卷积核位置上的四个输入通道，正如稀疏张量核心所需。二维权重两种方式得到同一矩阵。</translation>
    </message>
    <message>
        <source>PyTorch</source>
        <translation>PyTorch</translation>
    </message>
    <message>
        <source>Keras</source>
        <translation>Keras</translation>
    </message>
    <message>
        <source>Flatten</source>
        <translation>展平</translation>
    </message>
    <message>
        <source>Channels-last</source>
        <translation>通道在后</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::PrunedExportFlow</name>
    <message>
        <source>Exporting pruned weights…</source>
        <translation>正在导出剪枝后的权重…</translation>
    </message>
    <message>
        <source>Export Pruned Weights</source>
        <translation>导出剪枝后的权重</translation>
    </message>
    <message>
        <source>Pruning %1 (%2 of %3)…</source>
        <translation>正在剪枝 %1（%3 个中的第 %2 个）…</translation>
    </message>
    <message numerus="yes">
        <source>Wrote the pruned weights of %n layer(s) to %1</source>
        <translation>
            <numerusform>已将 %n 个层的剪枝后权重写入 %1</numerusform>
        </translation>
    </message>
    <message>
        <source>Export cancelled; no file was written.</source>
        <translation>导出已取消；未写入任何文件。</translation>
    </message>
    <message>
        <source>The pruned weights were not exported</source>
        <translation>剪枝后的权重未导出</translation>
    </message>
    <message>
        <source>%1 already exists. Replace it with the pruned weights?</source>
        <translation>%1 已存在。要用剪枝后的权重替换它吗？</translation>
    </message>
    <message>
        <source>Not exported; %1 was kept.</source>
        <translation>未导出；%1 保持不变。</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::RecentFiles</name>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>&amp;%1 %2</source>
        <translation>&amp;%1 %2</translation>
    </message>
    <message>
        <source>No recent files</source>
        <translation>没有最近的文件</translation>
    </message>
    <message>
        <source>&amp;Clear Menu</source>
        <translation>清空菜单(&amp;C)</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::Session</name>
    <message>
        <source>The demo weights could not be extracted.</source>
        <translation>无法解压演示权重。</translation>
    </message>
    <message>
        <source>%1: dataset &apos;%2&apos; cannot be sparsified: %3</source>
        <translation>%1：数据集“%2”无法稀疏化：%3</translation>
    </message>
    <message>
        <source>%1: no dataset &apos;%2&apos;</source>
        <translation>%1：没有数据集“%2”</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::SessionFlow</name>
    <message>
        <source>Sparsity Explorer sessions (*.json);;All files (*)</source>
        <translation>Sparsity Explorer 会话 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>digits.h5 (demo)</source>
        <translation>digits.h5（演示）</translation>
    </message>
    <message>
        <source>&amp;Restore</source>
        <translation>恢复(&amp;R)</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>忽略</translation>
    </message>
    <message>
        <source>Restore &amp;Last Session</source>
        <translation>恢复上次会话(&amp;L)</translation>
    </message>
    <message>
        <source>Open &amp;Session…</source>
        <translation>打开会话(&amp;S)…</translation>
    </message>
    <message>
        <source>Save Session &amp;As…</source>
        <translation>会话另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>Open the file of the last session with the parameters of each layer, the scope and the view as they were</source>
        <translation>打开上次会话的文件，并恢复每层的参数、范围和视图</translation>
    </message>
    <message>
        <source>Open Session</source>
        <translation>打开会话</translation>
    </message>
    <message>
        <source>Save Session</source>
        <translation>保存会话</translation>
    </message>
    <message>
        <source> (layer %1)</source>
        <translation>（层 %1）</translation>
    </message>
    <message>
        <source>Restore your last session on %1%2?</source>
        <translation>恢复 %1%2 上的上次会话吗？</translation>
    </message>
    <message>
        <source>The session cannot be restored</source>
        <translation>无法恢复会话</translation>
    </message>
    <message>
        <source>The session was not saved</source>
        <translation>会话未保存</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::SparsityBarChart</name>
    <message>
        <source>Achieved sparsity per layer</source>
        <translation>各层的实际稀疏度</translation>
    </message>
    <message>
        <source>level %1</source>
        <translation>级别 %1</translation>
    </message>
    <message>
        <source>model %1</source>
        <translation>模型 %1</translation>
    </message>
    <message>
        <source>No layers</source>
        <translation>没有层</translation>
    </message>
</context>
<context>
    <name>sparsity::ui::StatsPanel</name>
    <message>
        <source>n/a (the sum overflows)</source>
        <translation>无（和溢出）</translation>
    </message>
    <message>
        <source>Layer:</source>
        <translation>层：</translation>
    </message>
    <message>
        <source>Shape:</source>
        <translation>形状：</translation>
    </message>
    <message>
        <source>Scope:</source>
        <translation>范围：</translation>
    </message>
    <message>
        <source>Blocks:</source>
        <translation>块：</translation>
    </message>
    <message>
        <source>Pruned blocks:</source>
        <translation>剪枝块：</translation>
    </message>
    <message>
        <source>Zeros:</source>
        <translation>零：</translation>
    </message>
    <message>
        <source>Sparsity:</source>
        <translation>稀疏度：</translation>
    </message>
    <message>
        <source>Retained energy:</source>
        <translation>保留能量：</translation>
    </message>
    <message>
        <source>Retained L1:</source>
        <translation>保留 L1：</translation>
    </message>
    <message>
        <source>Σ(w² kept) / Σ(w²): how much of the layer&apos;s energy survives.</source>
        <translation>Σ(保留的 w²) / Σ(w²)：该层的能量保留了多少。</translation>
    </message>
    <message>
        <source>Σ|w kept| / Σ|w|</source>
        <translation>Σ|保留的 w| / Σ|w|</translation>
    </message>
    <message>
        <source>Achieved (zeros / weights) against the requested level; the text below says why they differ for this layer.</source>
        <translation>实际稀疏度（零 / 权重）与请求的级别对比；下方文字说明本层两者为何不同。</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>, seen as %1 × %2</source>
        <translation>，视为 %1 × %2</translation>
    </message>
    <message>
        <source>%1 × %2 = %3 of %4×%5</source>
        <translation>%1 × %2 = %3 个 %4×%5 的块</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>%1 achieved, model level %2</source>
        <translation>实际 %1，模型级别 %2</translation>
    </message>
    <message>
        <source>%1 achieved, %2 requested</source>
        <translation>实际 %1，请求 %2</translation>
    </message>
    <message>
        <source>Layer (ranked alone)</source>
        <translation>层（单独排序）</translation>
    </message>
    <message>
        <source>Model: this layer&apos;s share of one ranking over all layers, bounds %1 to %2</source>
        <translation>模型：本层在所有层统一排序中的份额，上下限 %1 至 %2</translation>
    </message>
    <message>
        <source>Model scope pending: the layers are being ranked. Shown meanwhile: this layer ranked alone at %1.</source>
        <translation>模型范围等待中：正在对各层排序。暂时显示：本层在 %1 下单独排序的结果。</translation>
    </message>
    <message>
        <source>Model scope unavailable: %1
Shown instead: this layer ranked alone at %2.</source>
        <translation>模型范围不可用：%1
改为显示：本层在 %2 下单独排序的结果。</translation>
    </message>
    <message>
        <source>Not one of the model&apos;s layers (model scope covers the default layers): ranked alone at %1.</source>
        <translation>不属于模型的层（模型范围只包括默认的层）：在 %1 下单独排序。</translation>
    </message>
    <message>
        <source>Why %1 and not %2:</source>
        <translation>为什么是 %1 而不是 %2：</translation>
    </message>
    <message>
        <source>⚠ %1 weight(s) are NaN or infinite. Blocks holding NaN have a NaN norm and are pruned last; the retained ratios count only the finite weights.</source>
        <translation>⚠ 有 %1 个权重是 NaN 或无穷大。含 NaN 的块其范数为 NaN，最后才被剪枝；保留比例只计算有限的权重。</translation>
    </message>
    <message>
        <source>, %1 layout, %2 view: seen as %3 × %4</source>
        <translation>，%1 布局，%2 视图：视为 %3 × %4</translation>
    </message>
</context>
</TS>
