using System.Reflection;

namespace OrleansHotData.Tests;

/// <summary>Every test class says what it is, so <c>./hotdata test --fast</c> and category filters leave none out.</summary>
[Trait(TestCategory.Name, TestCategory.Unit)]
public sealed class TestCategoryTests
{
    [Fact]
    public void Every_test_class_carries_exactly_one_known_category()
    {
        var testClasses = typeof(TestCategoryTests).Assembly.GetTypes()
            .Where(type => type.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
                .Any(method => method.GetCustomAttributes<FactAttribute>(inherit: true).Any()))
            .ToList();
        Assert.True(testClasses.Count > 50, $"only {testClasses.Count} test classes were found: the search for tests is broken");

        var wrong = testClasses
            .Select(type => (type, categories: CategoriesOf(type)))
            .Where(entry => entry.categories.Count != 1 || !TestCategory.All.Contains(entry.categories[0]))
            .Select(entry => $"{entry.type.FullName}: [{string.Join(", ", entry.categories)}]")
            .ToList();
        Assert.True(wrong.Count == 0,
            $"each test class needs one [Trait(TestCategory.Name, TestCategory.X)] with X one of {string.Join(", ", TestCategory.All)}:\n"
            + string.Join("\n", wrong));
    }

    private static List<string> CategoriesOf(Type type) =>
        type.GetCustomAttributesData()
            .Where(attribute => attribute.AttributeType == typeof(TraitAttribute)
                && attribute.ConstructorArguments.Count == 2
                && Equals(attribute.ConstructorArguments[0].Value, TestCategory.Name))
            .Select(attribute => (string)attribute.ConstructorArguments[1].Value!)
            .ToList();
}
