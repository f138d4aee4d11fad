using System.Buffers;
using System.Runtime.CompilerServices;

namespace JiraAuthFunctions.Schemes.Connect;

/// <summary>
/// A growable buffer that starts in caller-provided (usually stack) memory and moves to an
/// <see cref="ArrayPool{T}"/> array only when it outgrows it: the qsh of an ordinary request is
/// built without a heap allocation, and a long query still works. <see cref="Dispose"/> returns
/// the array.
/// </summary>
/// <remarks>
/// Its small members are marked for inlining: the methods that use it hold stack buffers and loops,
/// so the JIT compiles them fully optimized at once, without the call profile that would inline them.
/// What goes in here is the canonical request and the decoded query, neither of them secret (the
/// <c>jwt</c> parameter's value is never decoded into it), so pooled arrays are returned uncleared.
/// </remarks>
internal ref struct PooledBuffer<T>
    where T : unmanaged
{
    private Span<T> _span;
    private T[]? _rented;
    private int _length;

    public PooledBuffer(Span<T> initial)
    {
        _span = initial;
        _rented = null;
        _length = 0;
    }

    public int Length
    {
        readonly get => _length;
        set => _length = value; // only ever shortened, to drop what was just written
    }

    public readonly Span<T> Written => _span[.._length];

    public readonly ReadOnlySpan<T> Slice(int start, int length) => _span.Slice(start, length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T item)
    {
        if (_length == _span.Length)
        {
            Grow(1);
        }

        _span[_length++] = item;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(scoped ReadOnlySpan<T> items)
    {
        items.CopyTo(GetSpan(items.Length));
        _length += items.Length;
    }

    /// <summary>At least <paramref name="size"/> free elements after what is written; <see cref="Advance"/> by what was used.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> GetSpan(int size)
    {
        if (_span.Length - _length < size)
        {
            Grow(size);
        }

        return _span[_length..];
    }

    public void Advance(int count) => _length += count;

    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<T>.Shared.Return(_rented);
            _rented = null;
        }
    }

    private void Grow(int needed)
    {
        var next = ArrayPool<T>.Shared.Rent(Math.Max(checked(_length + needed), _span.Length * 2));
        _span[.._length].CopyTo(next);
        if (_rented is not null)
        {
            ArrayPool<T>.Shared.Return(_rented);
        }

        _rented = next;
        _span = next;
    }
}
