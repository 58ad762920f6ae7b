<?xml version="1.0" encoding="utf-8" ?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Latest Statements, Off-the-Cuff and Readouts</title>
  <link>https://www.un.org/sg/en/spokesperson</link>
  <description>Latest Statements, Off-the-Cuff and Readouts of the Office of the Spokesperson for the Secretary-General</description>
  <language>en</language>
  <item>
    <title>Secretary-General&#x27;s message on World Refugee Day</title>
    <link>/sg/en/content/sg/statements/2025-06-12/secretary-generals-message-world-refugee-day</link>
    <description>Today, we recognize the millions of refugees forced to flee war, persecution and disaster. Every individual carries a story of profound loss — of a family uprooted and a future upended. Many face clos</description>
    <pubDate>12/06/2025 - 18:30</pubDate>
    <dc:creator>United Nations Office of the Spokesperson of the Secretary-General</dc:creator>
    <guid isPermaLink="false">289761 at https://www.un.org/sg</guid>
  </item>
  <item>
    <title>Deputy Secretary-General&#x27;s video message to the SDG16 Conference, &quot;SDG 16 as a compass for navigating intersecting crises&quot;</title>
    <link>/sg/en/content/deputy-secretary-general/statement/2023-05-30/deputy-secretary-generals-video-message-the-sdg16-conference-sdg-16-compass-for-navigating-intersecting-crises</link>
    <description>I send my warm greetings to everyone participating in this conference on SDG 16.</description>
    <pubDate>30/05/2023 - 09:15</pubDate>
    <dc:creator>United Nations Office of the Spokesperson of the Secretary-General</dc:creator>
    <guid isPermaLink="false">272233 at https://www.un.org/sg</guid>
  </item>
  <item>
    <title>Secretary-General&#x27;s Press Conference at opening of 66th Annual UN DPI/NGO Conference</title>
    <link>/sg/en/content/sg/press-encounter/2016-05-30/secretary-generals-press-conference-opening-66th-annual-un-dpingo-conference</link>
    <description>Secretary-General: Good afternoon,</description>
    <pubDate>30/05/2016 - 14:02</pubDate>
    <dc:creator>United Nations Office of the Spokesperson of the Secretary-General</dc:creator>
    <guid isPermaLink="false">98712 at https://www.un.org/sg</guid>
  </item>
  <item>
    <title>Note to Correspondents on the Secretary-General&#x27;s activities in the Republic of Korea</title>
    <link>/sg/en/content/sg/note-correspondents/2016-05-27/note-correspondents-secretary-generals-activities-the-republic-of-korea</link>
    <description>United Nations Secretary-General Ban Ki-moon arrived on Jeju Island on Wednesday afternoon, 25 May, coming directly from Istanbul, where he had attended the first World Humanitarian Summit.</description>
    <pubDate>26/05/2016 - 21:40</pubDate>
    <dc:creator>United Nations Office of the Spokesperson of the Secretary-General</dc:creator>
    <guid isPermaLink="false">98790 at https://www.un.org/sg</guid>
  </item>
</channel>
</rss>
