using OrleansHotData.Silo.Api;

namespace OrleansHotData.Tests.Security;

/// <summary>A watch stream's buffer is bounded in bytes: a slow reader holds at most the budget, or the newest event.</summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class WatchEventBufferTests
{
    [Fact]
    public void Past_its_budget_the_oldest_events_are_dropped_and_the_newest_kept()
    {
        using var buffer = new WatchEventBuffer(maxBytes: 1000);
        for (var i = 0; i < 100; i++)
        {
            buffer.Add(new byte[] { (byte)i }.Concat(new byte[99]).ToArray());
            Assert.True(buffer.BufferedBytes <= 1000);
        }

        Assert.Equal(90, buffer.Dropped);
        var first = true;
        var last = -1;
        while (buffer.TryTake(out var formatted))
        {
            if (first)
            {
                Assert.Equal(90, formatted.Span[0]);
                first = false;
            }

            last = formatted.Span[0];
        }

        Assert.Equal(99, last);
        Assert.Equal(0, buffer.BufferedBytes);
    }

    [Fact]
    public void An_event_larger_than_the_budget_is_still_delivered_alone()
    {
        using var buffer = new WatchEventBuffer(maxBytes: 1000);
        buffer.Add(new byte[10]);
        buffer.Add(new byte[5000]);

        Assert.True(buffer.TryTake(out var only));
        Assert.Equal(5000, only.Length);
        Assert.False(buffer.TryTake(out _));
    }
}
